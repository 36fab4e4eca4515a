using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace EvoR.Api.Problems;

/// <summary>
/// Request bodies that are well-formed JSON but that System.Text.Json cannot bind, and which it reports as
/// <see cref="NotSupportedException"/> rather than <see cref="System.Text.Json.JsonException"/> (so the minimal-API
/// binder lets them through as 500s): above all a polymorphic object without its discriminator
/// (<c>"tests": {"code": "…"}</c> without <c>"kind"</c>), whose abstract base cannot be created. This maps them, for every
/// endpoint at once, to a 400 problem naming the member.
/// </summary>
internal static partial class BindingFailure
{
    /// <summary>The problem for an exception thrown while the serializer read a request body; null when the exception
    /// is anything else.</summary>
    public static ProblemDetails? FromUnbindableBody(Exception exception)
    {
        if (exception is not NotSupportedException { Source: "System.Text.Json" } notSupported
            || Unbindable().Match(notSupported.Message) is not { Success: true } match)
        {
            return null;
        }

        var path = match.Groups["path"].Value;
        var member = path == "$" ? "" : path.TrimStart('$', '.');
        var typeName = match.Groups["type"].Value;
        if (Polymorphism(typeName) is { } polymorphism)
        {
            // The discriminator is missing: the abstract base cannot be created without it.
            var field = member.Length == 0 ? polymorphism.Discriminator : $"{member}.{polymorphism.Discriminator}";
            var allowed = string.Join(", ", polymorphism.Ids.Select(id => $"'{id}'"));
            return new HttpValidationProblemDetails(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                [field] = [$"{field} is required: one of {allowed}."],
            })
            {
                Type = ProblemTypes.Validation,
                Title = "Invalid request",
                Detail = $"{field} is required: say which kind of object {(member.Length == 0 ? "the body" : member)} is ({allowed}).",
            };
        }

        var problem = new ProblemDetails
        {
            Type = ProblemTypes.InvalidJson,
            Title = "Malformed JSON",
            Detail = $"The request body could not be read at {path}: this member cannot take the value sent.",
        };
        problem.Extensions["path"] = path;
        return problem;
    }

    /// <summary>The discriminator and its ids of a <c>[JsonPolymorphic]</c> type named by its full name; null when the
    /// type is not found or not polymorphic.</summary>
    private static (string Discriminator, IReadOnlyList<string> Ids)? Polymorphism(string fullName)
    {
        var type = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic)
            .Select(a => a.GetType(fullName, throwOnError: false))
            .FirstOrDefault(t => t is not null);
        if (type is not { IsAbstract: true } || type.GetCustomAttribute<JsonPolymorphicAttribute>(inherit: false) is not { } polymorphic)
        {
            return null;
        }

        var ids = type.GetCustomAttributes<JsonDerivedTypeAttribute>(inherit: false)
            .Select(d => d.TypeDiscriminator?.ToString())
            .OfType<string>()
            .ToList();
        return (polymorphic.TypeDiscriminatorPropertyName ?? "$type", ids);
    }

    // System.Text.Json: "The JSON payload for polymorphic interface or abstract type 'X' must specify a type discriminator.
    // Path: $.tests | …", "Deserialization of interface or abstract types is not supported. Type 'X'. Path: …",
    // "Deserialization of types without a parameterless constructor … Type 'X'. Path: …".
    [GeneratedRegex(@"^(?:The JSON payload for polymorphic interface or abstract type '(?<type>[^']+)' must specify a type discriminator|Deserialization of .*?Type '(?<type>[^']+)')\. Path: (?<path>\S+)",
        RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Unbindable();
}
