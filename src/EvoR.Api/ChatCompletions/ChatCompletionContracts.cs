using System.Text.Json;
using System.Text.Json.Serialization;
using EvoR.Sandbox;

namespace EvoR.Api.ChatCompletions;

/// <summary>
/// Body of <c>POST /v1/chat/completions</c>, the OpenAI shape. <c>model</c> is <c>evor</c>, <c>evor:&lt;method&gt;</c> or
/// a configured alias (<c>Generations:Models:&lt;alias&gt;</c>);
/// the last user message is the problem; the optional <c>evor</c> member carries what a chat cannot say (language,
/// code context, tests, knowledge base).
/// </summary>
public sealed record ChatCompletionRequest
{
    public string? Model { get; init; }
    public IReadOnlyList<ChatMessageBody>? Messages { get; init; }
    public bool? Stream { get; init; }

    [JsonPropertyName("stream_options")]
    public ChatStreamOptions? StreamOptions { get; init; }

    /// <summary>Sampling temperature of every LLM call of the job, 0–2.</summary>
    public double? Temperature { get; init; }

    /// <summary>Output cap of each LLM call of the job (16–32768); not a cap on the whole answer.</summary>
    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get; init; }

    [JsonPropertyName("max_completion_tokens")]
    public int? MaxCompletionTokens { get; init; }

    /// <summary>Only 1 is supported.</summary>
    public int? N { get; init; }

    /// <summary>EvoR's extension: the problem's language (default <c>python</c>) and the rest of a generation request.</summary>
    public EvoRChatOptions? Evor { get; init; }
}

/// <summary>A chat message; <c>content</c> is a string or an array of parts (<c>{"type":"text","text":…}</c>).</summary>
public sealed record ChatMessageBody
{
    public string? Role { get; init; }
    public JsonElement Content { get; init; }
}

public sealed record ChatStreamOptions
{
    [JsonPropertyName("include_usage")]
    public bool? IncludeUsage { get; init; }
}

/// <summary>The <c>evor</c> member of a chat completion request: the generation settings a chat message cannot carry.</summary>
public sealed record EvoRChatOptions
{
    /// <summary>Language name or alias; default <c>python</c>.</summary>
    public string? Language { get; init; }

    public string? Library { get; init; }
    public string? CodeContext { get; init; }
    public string? Style { get; init; }
    public TestSpec? VisibleTests { get; init; }
    public TestSpec? HiddenTests { get; init; }
    public string? KnowledgeBase { get; init; }
    public IReadOnlyList<string>? Sources { get; init; }
    public int? MaxRounds { get; init; }
    public int? TimeBudgetSeconds { get; init; }
    public long? TokenBudget { get; init; }
}

/// <summary>A chat completion (<c>object: chat.completion</c>) whose message is the job's final program.</summary>
public sealed record ChatCompletionResponse
{
    public required string Id { get; init; }
    public string Object { get; init; } = "chat.completion";
    public required long Created { get; init; }
    public required string Model { get; init; }

    [JsonPropertyName("system_fingerprint")]
    public required string SystemFingerprint { get; init; }

    public required IReadOnlyList<ChatChoice> Choices { get; init; }
    public required ChatUsage Usage { get; init; }

    /// <summary>Which job answered and where its rounds are; <c>source</c> says whether a model wrote the program.</summary>
    public required ChatEvoRInfo Evor { get; init; }
}

public sealed record ChatChoice(
    int Index,
    ChatMessageOut Message,
    [property: JsonPropertyName("finish_reason")] string FinishReason)
{
    public object? Logprobs { get; init; }
}

public sealed record ChatMessageOut(string Role, string Content)
{
    public string? Refusal { get; init; }
}

public sealed record ChatUsage(
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens,
    [property: JsonPropertyName("total_tokens")] long TotalTokens);

/// <summary>The job behind a completion: its id and URL, status, the <c>evor.source</c> of the answer (<c>model</c>,
/// <c>replay</c>, <c>scripted</c>), the stop reason and the number of rounds.</summary>
public sealed record ChatEvoRInfo(
    [property: JsonPropertyName("generation_id")] string GenerationId,
    string Url,
    string Status,
    string? Source,
    string? Stop,
    int Rounds);

/// <summary>One streamed chunk (<c>object: chat.completion.chunk</c>).</summary>
public sealed record ChatCompletionChunk
{
    public required string Id { get; init; }
    public string Object { get; init; } = "chat.completion.chunk";
    public required long Created { get; init; }
    public required string Model { get; init; }

    [JsonPropertyName("system_fingerprint")]
    public required string SystemFingerprint { get; init; }

    public required IReadOnlyList<ChatChunkChoice> Choices { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ChatUsage? Usage { get; init; }

    public ChatEvoRInfo? Evor { get; init; }
}

public sealed record ChatChunkChoice(
    int Index,
    ChatDelta Delta,
    [property: JsonPropertyName("finish_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);

public sealed record ChatDelta
{
    public string? Role { get; init; }
    public string? Content { get; init; }
}

/// <summary><c>GET /v1/models</c>.</summary>
public sealed record ModelList(string Object, IReadOnlyList<ModelInfo> Data);

public sealed record ModelInfo(
    string Id,
    string Object,
    long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy)
{
    /// <summary>What the model runs: its method, and for an alias (<c>Generations:Models</c>) its knowledge base,
    /// language and sources.</summary>
    public ModelEvoRInfo? Evor { get; init; }
}

/// <summary>The EvoR settings behind a model: <c>alias</c> is true for a configured alias.</summary>
public sealed record ModelEvoRInfo(string Method, bool Alias)
{
    [JsonPropertyName("knowledge_base")]
    public string? KnowledgeBase { get; init; }

    public string? Language { get; init; }
    public IReadOnlyList<string>? Sources { get; init; }

    [JsonPropertyName("max_rounds")]
    public int? MaxRounds { get; init; }

    public string? Description { get; init; }
}
