using System.Diagnostics;
using EvoR.Llm.Chat;
using EvoR.Llm.Usage;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace EvoR.Pipeline.Bench.Overhead;

/// <summary>
/// The model of the <c>overhead</c> benchmark: answers at once, by kind of prompt, so a round costs what the pipeline
/// costs. Per run the first program fails its tests and every later one passes; the query rewrite is new every run, so
/// no query embedding is served from cache. Replies are labelled <c>scripted</c>: nothing here is model output.
/// </summary>
internal sealed class ZeroLatencyChat : IChatCompletionService
{
    // Fails on the generated inputs (a NameError), so the round fails with or without visible tests.
    public const string FailingProgram = "```python\ndef add(a, b):\n    return a + total\n```";
    public const string PassingProgram = "```python\ndef add(a, b):\n    return a + b\n```";

    private int _generateCalls;
    private long _calls;
    private long _ticks;

    public IReadOnlyDictionary<string, object?> Attributes { get; } = new Dictionary<string, object?> { [AIServiceExtensions.ModelIdKey] = "zero-latency" };

    /// <summary>The rewritten query this run's rewrite calls answer.</summary>
    public string Rewrite { get; set; } = "add two numbers";

    /// <summary>Calls answered so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Time spent inside this service, all calls together.</summary>
    public TimeSpan Time => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks));

    /// <summary>Starts a new method run: its first program fails again.</summary>
    public void BeginRun() => Interlocked.Exchange(ref _generateCalls, 0);

    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var prompt = chatHistory[^1].Content ?? "";
        var reply = prompt.Contains("Answer with a JSON array of strings only", StringComparison.Ordinal) ? "[\"print(add(1, 2))\", \"print(add(-1, 1))\"]"
            : prompt.Contains("Answer with the query only", StringComparison.Ordinal) ? Rewrite
            : Interlocked.Increment(ref _generateCalls) == 1 ? FailingProgram : PassingProgram;
        IReadOnlyList<ChatMessageContent> result =
        [
            new ChatMessageContent(AuthorRole.Assistant, reply, "zero-latency", metadata: new Dictionary<string, object?>
            {
                [LlmMetadata.Source] = LlmSources.Scripted,
                [LlmMetadata.Usage] = new LlmUsage(prompt.Length / 4, reply.Length / 4),
            }),
        ];
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - started);
        return Task.FromResult(result);
    }

    public IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The pipeline does not stream.");
}
