using EvoR.Api.Generations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EvoR.Api.ChatCompletions;

/// <summary>What a chat request's model runs: a method, the model name the answer gives, and an alias's preset (if any).</summary>
internal sealed record ChatModel(string Method, string Name, GenerationModelOptions? Preset);

/// <summary>
/// The models of the OpenAI-compatible endpoints (<c>GET /v1/models</c>): <c>evor</c>, <c>evor:&lt;method&gt;</c> and the
/// aliases of <c>Generations:Models</c>, each a method with (an alias) its knowledge base, language and sources, so
/// that a chat client that can only choose a model still gets EvoR with retrieval.
/// </summary>
internal static class ChatModels
{
    internal static Ok<ModelList> ListModels([FromServices] GenerationRequestValidator validator, [FromServices] IOptions<GenerationOptions> options) =>
        TypedResults.Ok(new ModelList("list", [.. All(validator, options.Value)]));

    internal static IResult GetModel(string id, [FromServices] GenerationRequestValidator validator, [FromServices] IOptions<GenerationOptions> options)
    {
        var models = All(validator, options.Value);
        return models.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase)) is { } model
            ? TypedResults.Ok(model)
            : ChatProblems.UnknownModel(id, models.Select(m => m.Id));
    }

    /// <summary>
    /// The model a request names (case-insensitive): an alias first, then <c>evor</c> (the EvoR method) or
    /// <c>evor:&lt;method&gt;</c>; null when it names none of them, or a method that is not registered.
    /// </summary>
    public static ChatModel? Resolve(string model, GenerationRequestValidator validator, GenerationOptions options)
    {
        const string Prefix = ChatCompletionsApi.ModelPrefix;
        ChatModel resolved;
        if (Alias(options, model) is { } alias)
        {
            resolved = new ChatModel(alias.Value.Method.Trim().ToLowerInvariant(), alias.Key, alias.Value);
        }
        else if (string.Equals(model, Prefix, StringComparison.OrdinalIgnoreCase))
        {
            resolved = new ChatModel(Prefix, $"{Prefix}:{Prefix}", null);
        }
        else if (model.StartsWith(Prefix + ":", StringComparison.OrdinalIgnoreCase))
        {
            var method = model[(Prefix.Length + 1)..].ToLowerInvariant();
            resolved = new ChatModel(method, $"{Prefix}:{method}", null);
        }
        else
        {
            return null;
        }

        return validator.Methods.Contains(resolved.Method) ? resolved : null;
    }

    /// <summary>The 404 for a model <see cref="Resolve"/> does not know, listing those it does.</summary>
    public static IResult Unknown(string model, GenerationRequestValidator validator, GenerationOptions options) =>
        ChatProblems.UnknownModel(model, All(validator, options).Select(m => m.Id));

    /// <summary>The built-in models (<c>evor</c>, <c>evor:&lt;method&gt;</c>), then the aliases in order.</summary>
    private static List<ModelInfo> All(GenerationRequestValidator validator, GenerationOptions options)
    {
        const string Prefix = ChatCompletionsApi.ModelPrefix;
        var models = new List<ModelInfo> { new(Prefix, "model", 0, "evor") { Evor = new ModelEvoRInfo(Prefix, false) } };
        models.AddRange(validator.Methods.Order(StringComparer.Ordinal)
            .Select(m => new ModelInfo($"{Prefix}:{m}", "model", 0, "evor") { Evor = new ModelEvoRInfo(m, false) }));
        models.AddRange(options.Models.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new ModelInfo(a.Key, "model", 0, "evor")
        {
            Evor = new ModelEvoRInfo(a.Value.Method.Trim().ToLowerInvariant(), true)
            {
                KnowledgeBase = a.Value.KnowledgeBase,
                Language = a.Value.Language,
                Sources = a.Value.Sources,
                MaxRounds = a.Value.MaxRounds,
                Description = a.Value.Description,
            },
        }));
        return models;
    }

    /// <summary>The alias a model names, with the key as configured; null when it names none.</summary>
    private static KeyValuePair<string, GenerationModelOptions>? Alias(GenerationOptions options, string model) =>
        options.Models.FirstOrDefault(a => string.Equals(a.Key, model, StringComparison.OrdinalIgnoreCase)) is { Value: not null } found
            ? found
            : null;
}
