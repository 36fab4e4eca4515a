using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvoR.Api.OpenApi;

/// <summary>
/// Integer query parameters that are bound as text (so that a bad value is a 400 problem naming the parameter, not a
/// binding failure) still say in the OpenAPI document what they take: an integer, its range and its default.
/// </summary>
public static class OpenApiQueryParameters
{
    /// <summary>By operation id and parameter name: the range and the default.</summary>
    private static readonly Dictionary<(string Operation, string Parameter), (string Min, string Max, int Default)> Integers = new()
    {
        [("ListGenerations", "limit")] = ("1", "100", 20),
    };

    /// <summary>Adds the transformer to the <c>v1</c> document (composes with <c>AddEvoROpenApi</c>'s own).</summary>
    public static IServiceCollection AddEvoRIntegerQueryParameters(this IServiceCollection services)
    {
        services.Configure<OpenApiOptions>("v1", options => options.AddOperationTransformer((operation, _, _) =>
        {
            foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            {
                if (Integers.TryGetValue((operation.OperationId ?? "", parameter.Name ?? ""), out var range))
                {
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int32",
                        Minimum = range.Min,
                        Maximum = range.Max,
                        Default = JsonValue.Create(range.Default),
                    };
                }
            }

            return Task.CompletedTask;
        }));
        return services;
    }
}
