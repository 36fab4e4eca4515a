using System.Diagnostics;
using EvoR.Llm.Chat;
using EvoR.Llm.Usage;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace EvoR.Pipeline.Bench.Overhead;

/// <summary>
/// The model of the <c>overhead</c> benchmark: answers by kind of prompt, at once or after <see cref="Latency"/> (a
/// stand-in for a real model's wait, during which the pipeline's background work — the sandbox pool refilling, used
/// sandboxes being removed — runs as it does in production). Per run the first program fails its tests and every later
/// one passes; the query rewrite is new every run, so no query embedding is served from cache. The time spent inside
/// the round's calls (generate, rewrite) is kept, so the benchmark can leave the model out of a round's time. Replies are
/// labelled <c>scripted</c>: nothing here is model output.
/// </summary>
internal sealed class ScriptedBenchChat : IChatCompletionService
{
    // Fails on the generated inputs (a NameError), so the round fails with or without visible tests.
    public const string FailingProgram = "```python\ndef add(a, b):\n    return a + total\n```";
    public const string PassingProgram = "```python\ndef add(a, b):\n    return a + b\n```";

    private int _generateCalls;
    private long _calls;
    private long _ticks;
    private long _generateTicks;
    private long _rewriteTicks;

    public IReadOnlyDictionary<string, object?> Attributes { get; } = new Dictionary<string, object?> { [AIServiceExtensions.ModelIdKey] = "scripted-bench" };

    /// <summary>How long every call waits before it answers; zero answers at once.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>The rewritten query this run's rewrite calls answer.</summary>
    public string Rewrite { get; set; } = "add two numbers";

    /// <summary>Calls answered so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Time spent inside this service, all calls together, the waits included.</summary>
    public TimeSpan Time => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks));

    /// <summary>Starts a new method run: its first program fails again.</summary>
    public void BeginRun() => Interlocked.Exchange(ref _generateCalls, 0);

    /// <summary>Time spent inside the generate and the rewrite calls since the last take, the waits included.</summary>
    public (TimeSpan Generate, TimeSpan Rewrite) TakeRoundTime() =>
        (Stopwatch.GetElapsedTime(0, Interlocked.Exchange(ref _generateTicks, 0)), Stopwatch.GetElapsedTime(0, Interlocked.Exchange(ref _rewriteTicks, 0)));

    public async Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var prompt = chatHistory[^1].Content ?? "";
        var testInputs = prompt.Contains("Answer with a JSON array of strings only", StringComparison.Ordinal);
        var rewrite = !testInputs && prompt.Contains("Answer with the query only", StringComparison.Ordinal);
        var reply = testInputs ? "[\"print(add(1, 2))\", \"print(add(-1, 1))\"]"
            : rewrite ? Rewrite
            : Interlocked.Increment(ref _generateCalls) == 1 ? FailingProgram : PassingProgram;
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, cancellationToken);
        }

        IReadOnlyList<ChatMessageContent> result =
        [
            new ChatMessageContent(AuthorRole.Assistant, reply, "scripted-bench", metadata: new Dictionary<string, object?>
            {
                [LlmMetadata.Source] = LlmSources.Scripted,
                [LlmMetadata.Usage] = new LlmUsage(prompt.Length / 4, reply.Length / 4),
            }),
        ];
        var spent = Stopwatch.GetTimestamp() - started;
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _ticks, spent);
        if (rewrite)
        {
            Interlocked.Add(ref _rewriteTicks, spent);
        }
        else if (!testInputs)
        {
            Interlocked.Add(ref _generateTicks, spent);
        }

        return result;
    }

    public IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The pipeline does not stream.");
}
