using System.Runtime.CompilerServices;
using EvoR.Bench.Datasets;
using EvoR.Llm.Chat;
using EvoR.Llm.Usage;
using EvoR.Sandbox;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace EvoR.Bench.Commands;

/// <summary>
/// The <c>overhead</c> benchmark's model: waits a fixed latency per call (asynchronously: a waiting call holds no
/// thread), then answers the problem's reference solution, found by the problem's prompt in the user message. Its
/// replies are labelled <c>scripted</c>: what it "solves" is the dataset's own reference, never a model's accuracy.
/// </summary>
internal sealed class ReferenceAfterDelayModel(IReadOnlyList<BenchProblem> problems, TimeSpan latency) : IChatCompletionService
{
    // Longest prompt first, so a prompt that is a prefix of another never wins.
    private readonly IReadOnlyList<BenchProblem> _byLength = [.. problems.Where(p => p.Reference is not null).OrderByDescending(p => p.Prompt.Length)];
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public IReadOnlyDictionary<string, object?> Attributes => new Dictionary<string, object?> { [AIServiceExtensions.ModelIdKey] = "reference-after-delay" };

    public async Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        await Task.Delay(latency, cancellationToken);
        var reply = Reply(chatHistory);
        var usage = new LlmUsage((chatHistory.Sum(m => m.Content?.Length ?? 0) + 3) / 4, (reply.Length + 3) / 4);
        return [new ChatMessageContent(AuthorRole.Assistant, reply, "reference-after-delay", metadata: new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [LlmMetadata.Source] = LlmSources.Scripted,
            [LlmMetadata.Usage] = usage,
            [LlmMetadata.Provider] = "scripted",
        })];
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var message in await GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken))
        {
            yield return new StreamingChatMessageContent(message.Role, message.Content, modelId: message.ModelId, metadata: message.Metadata);
        }
    }

    private string Reply(ChatHistory chatHistory)
    {
        var user = chatHistory.LastOrDefault(m => m.Role == AuthorRole.User)?.Content ?? "";
        var problem = _byLength.FirstOrDefault(p => user.Contains(p.Prompt.Trim(), StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The overhead model found no problem's prompt in: {user[..Math.Min(user.Length, 160)]}");
        return "```python\n" + problem.Reference + "\n```";
    }
}

/// <summary>Counts the sandbox's executions (the benchmark's executions per sample).</summary>
internal sealed class CountingExecutor(ICodeExecutor inner) : ICodeExecutor
{
    private long _executions;

    public long Executions => Interlocked.Read(ref _executions);

    public string Backend => inner.Backend;

    public Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _executions);
        return inner.ExecuteAsync(request, cancellationToken);
    }
}
