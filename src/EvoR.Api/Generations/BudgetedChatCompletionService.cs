using EvoR.Llm.Usage;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace EvoR.Api.Generations;

/// <summary>What the LLM calls of one job may spend and how they are sampled; set for the job's async flow.</summary>
internal sealed record GenerationLlmContext(LlmUsageScope Usage, long TokenBudget, double? Temperature, int? MaxOutputTokens);

/// <summary>The job ran out of tokens: it had spent <see cref="Spent"/> of <see cref="Budget"/> before another call.</summary>
internal sealed class TokenBudgetExceededException(long spent, long budget)
    : Exception($"The job's token budget ({budget}) is spent ({spent} tokens); no further LLM call was made.")
{
    public long Spent { get; } = spent;
    public long Budget { get; } = budget;
}

/// <summary>
/// Sits over the LLM layer's chat service: inside a generation job it refuses a call once the job's token budget is
/// spent, and applies the job's temperature and output cap. Outside a job it passes every call through unchanged.
/// </summary>
internal sealed class BudgetedChatCompletionService(IChatCompletionService inner) : IChatCompletionService
{
    private static readonly AsyncLocal<GenerationLlmContext?> Current = new();

    public IReadOnlyDictionary<string, object?> Attributes => inner.Attributes;

    /// <summary>Sets the job's context for the calling async flow until disposed.</summary>
    public static IDisposable Enter(GenerationLlmContext context)
    {
        var previous = Current.Value;
        Current.Value = context;
        return new Restore(previous);
    }

    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default) =>
        inner.GetChatMessageContentsAsync(chatHistory, Prepare(executionSettings), kernel, cancellationToken);

    public IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default) =>
        inner.GetStreamingChatMessageContentsAsync(chatHistory, Prepare(executionSettings), kernel, cancellationToken);

    private static PromptExecutionSettings? Prepare(PromptExecutionSettings? settings)
    {
        if (Current.Value is not { } job)
        {
            return settings;
        }

        var spent = job.Usage.Snapshot().Usage;
        var total = spent.InputTokens + spent.OutputTokens;
        if (total >= job.TokenBudget)
        {
            throw new TokenBudgetExceededException(total, job.TokenBudget);
        }

        if (job.Temperature is null && job.MaxOutputTokens is null)
        {
            return settings;
        }

        // A copy: the caller's settings object is left as it was.
        var openAi = settings is null ? new OpenAIPromptExecutionSettings() : OpenAIPromptExecutionSettings.FromExecutionSettings(settings.Clone());
        if (job.Temperature is { } temperature)
        {
            openAi.Temperature = temperature;
        }

        if (job.MaxOutputTokens is { } maxTokens)
        {
            openAi.MaxTokens = maxTokens;
        }

        return openAi;
    }

    private sealed class Restore(GenerationLlmContext? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
