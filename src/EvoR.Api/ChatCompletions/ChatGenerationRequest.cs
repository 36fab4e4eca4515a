using System.Text.Json;
using EvoR.Api.Generations;

namespace EvoR.Api.ChatCompletions;

/// <summary>
/// A chat completion request as the generation request it stands for: the last user message is the problem's
/// description (earlier messages are not used), the <c>evor</c> member the rest, an alias's preset what that leaves
/// unsaid, and the OpenAI sampling members the LLM overrides. The generation validator then checks it as it checks
/// <c>POST /v1/generations</c>.
/// </summary>
internal static class ChatGenerationRequest
{
    /// <summary>The generation request, or the problem of a request that has no user message or asks for more than one choice.</summary>
    public static (GenerationRequestBody? Request, IResult? Problem) From(ChatCompletionRequest body, ChatModel model)
    {
        var description = body.Messages?.LastOrDefault(m => string.Equals(m.Role, "user", StringComparison.OrdinalIgnoreCase)) is { } user
            ? Text(user.Content)
            : null;
        if (string.IsNullOrWhiteSpace(description))
        {
            return (null, GenerationProblems.Validation(new Dictionary<string, string[]>
            {
                ["messages"] = ["A user message with the problem's description is required."],
            }));
        }

        if (body.N is { } n && n != 1)
        {
            return (null, GenerationProblems.Invalid("n", "Only one choice (n = 1) is supported."));
        }

        var e = body.Evor;
        var preset = model.Preset;
        return (new GenerationRequestBody
        {
            Method = model.Method,
            Problem = new GenerationProblemBody
            {
                Description = description,
                Language = !string.IsNullOrWhiteSpace(e?.Language) ? e.Language
                    : !string.IsNullOrWhiteSpace(preset?.Language) ? preset.Language
                    : ChatCompletionsApi.DefaultLanguage,
                Library = e?.Library ?? preset?.Library,
                CodeContext = e?.CodeContext,
                Style = e?.Style,
                VisibleTests = e?.VisibleTests,
                HiddenTests = e?.HiddenTests,
            },
            KnowledgeBase = e?.KnowledgeBase ?? preset?.KnowledgeBase,
            Sources = e?.Sources ?? preset?.Sources,
            MaxRounds = e?.MaxRounds ?? preset?.MaxRounds,
            TimeBudgetSeconds = e?.TimeBudgetSeconds,
            TokenBudget = e?.TokenBudget,
            Llm = body.Temperature is null && body.MaxTokens is null && body.MaxCompletionTokens is null
                ? null
                : new LlmOverridesBody { Temperature = body.Temperature, MaxOutputTokens = body.MaxCompletionTokens ?? body.MaxTokens },
        }, null);
    }

    // Content is a string, or an array of parts of which the text ones count.
    private static string? Text(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString(),
        JsonValueKind.Array => string.Join("\n", content.EnumerateArray()
            .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(p => p.GetProperty("text").GetString())),
        _ => null,
    };
}
