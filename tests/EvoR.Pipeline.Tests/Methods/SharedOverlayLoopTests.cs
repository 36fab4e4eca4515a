using System.Collections.Concurrent;
using System.Reflection;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Pipeline.Tests.Methods;

/// <summary>
/// The loop on a shared overlay with <see cref="SynchronousRounds"/>: three problems evolve one overlay, and a spy on the
/// store records, at every retrieval, which documents had been written. Round r must see exactly rounds &lt; r.
/// </summary>
public sealed class SharedOverlayLoopTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private const string Overlay = "shared-ov";

    private const string Wrong = "```python\ndef {0}(bucket, key):\n    return 0\n```";
    private const string Bad = "```python\ndef {0}(bucket, key):\n    return bucket.get(key)\n```";
    private const string Good = "```python\ndef {0}(bucket, key):\n    return bucket.fetch(key)\n```";

    /// <summary>Per problem: its function and its programs round by round (a: clean at once; b: a crash, then clean;
    /// c: a crash, a wrong answer, then clean), so the three leave the schedule after rounds 0, 1 and 2.</summary>
    private static readonly Dictionary<string, (string Function, string[] Programs)> Plans = new()
    {
        ["a"] = ("get_value", [Good]),
        ["b"] = ("read_value", [Bad, Good]),
        ["c"] = ("lookup_value", [Bad, Wrong, Good]),
    };

    [Fact]
    public async Task RunAsync_SharedOverlay_RoundSeesExactlyWhatEarlierRoundsWroteWrittenInProblemOrder()
    {
        var spy = new StoreLog();
        var generated = new ConcurrentDictionary<string, int>();
        var rewrites = new ConcurrentDictionary<string, int>();
        var chat = new ScriptedChatCompletionService
        {
            Responder = h =>
            {
                var prompt = h.Last(m => m.Role == AuthorRole.User).Content ?? "";
                // Scrambled timing: which problem gets where first must not matter.
                Thread.Sleep(Random.Shared.Next(0, 25));
                // The task comes after the retrieved documents, which may quote other problems.
                var task = prompt[prompt.LastIndexOf("Task:\n", StringComparison.Ordinal)..];
                var key = Plans.Keys.SingleOrDefault(k => task.Contains($"def {Plans[k].Function}(bucket, key)` (problem {k})", StringComparison.Ordinal));
                if (key is null)
                {
                    return string.Format(System.Globalization.CultureInfo.InvariantCulture, Good, "get_value"); // the vanilla participant
                }

                if (prompt.Contains("Answer with a JSON array of strings only", StringComparison.Ordinal))
                {
                    return $"[\"print({Plans[key].Function}(Bucket(), 'a'))\"]";
                }

                if (prompt.Contains("Answer with the query only", StringComparison.Ordinal))
                {
                    return $"lookup for {key} round {rewrites.AddOrUpdate(key, 1, (_, n) => n + 1)}";
                }

                var round = generated.AddOrUpdate(key, 0, (_, n) => n + 1);
                return string.Format(System.Globalization.CultureInfo.InvariantCulture, Plans[key].Programs[round], Plans[key].Function);
            },
        };
        await using var host = await MethodTestHost.StartAsync(chat, new() { ["EvoR:SearchMode"] = "bm25" }, configure: s =>
            s.AddSingleton<IKnowledgeBaseStore>(sp => StoreLog.Wrap(sp.GetRequiredService<KnowledgeBaseStore>(), spy)));
        await host.Store.CreateAsync(Overlay, new KnowledgeBaseSpec { Parent = "docs" }, Ct);
        // A fourth participant that never writes (vanilla): it must not hold the others up.
        // One slot for four participants, as the bench's --concurrency 1: each holds it while it works.
        using var slots = new SemaphoreSlim(1, 1);
        var rounds = new SynchronousRounds(["p/a", "p/b", "p/c", "p/v"], slots);
        var context = new MethodContext { JobId = "job", KnowledgeBase = "docs", Overlay = Overlay, RoundBarrier = rounds, MaxRounds = 4 };

        var runs = Plans.Keys.Select(k => (Method: "evor", Problem: ProblemFor(k))).Append((Method: "vanilla", Problem: ProblemFor("a") with { Id = "p/v", Description = "Write get_value(bucket, key) for a pondlet Bucket." }))
            .Select(r => Task.Run(async () =>
            {
                await slots.WaitAsync(Ct);
                try
                {
                    return await host.Method(r.Method).RunAsync(r.Problem, context, Ct);
                }
                finally
                {
                    slots.Release();
                }
            }, Ct)).ToList();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(2), Ct);

        Assert.Equal([1, 2, 3, 1], results.Select(r => r.Rounds.Count));
        Assert.All(results.Take(3), r => Assert.Equal(StopReason.Clean, r.Stop));
        // Committed round by round, in participant order within a round.
        string[] r0 = ["p/a/round-0/code_snippet", "p/b/round-0/execution_feedback", "p/c/round-0/execution_feedback"];
        string[] r1 = ["p/b/round-1/code_snippet", "p/c/round-1/execution_feedback"];
        string[] r2 = ["p/c/round-2/code_snippet"];
        Assert.Equal([.. r0, .. r1, .. r2], spy.Added);
        // Each writer hears what the store did with its own document; with writes in a fixed order, so do near-duplicates:
        // a later copy of the same program (or the same crash) is skipped as a duplicate of the one committed before it.
        var evolved = results.Take(3).SelectMany(r => r.Rounds).ToDictionary(e => e.Evolved!.DocumentId, e => e.Evolved!);
        Assert.Equal(["p/a/round-0/code_snippet", "p/b/round-0/execution_feedback", "p/c/round-1/execution_feedback"],
            evolved.Values.Where(e => e.Written).Select(e => e.DocumentId).Order(StringComparer.Ordinal));
        Assert.Equal("skipped: NearDuplicate p/b/round-0/execution_feedback", evolved["p/c/round-0/execution_feedback"].Note);
        Assert.Equal("skipped: NearDuplicate p/a/round-0/code_snippet", evolved["p/c/round-2/code_snippet"].Note);

        // At every retrieval: round 0 saw nothing, round 1 all of round 0, round 2 rounds 0 and 1; never a document of its own round.
        var searches = spy.Searches.Where(s => s.Base == Overlay).ToList();
        Assert.Equal(6, searches.Count);
        foreach (var (key, round) in new[] { ("a", 0), ("b", 0), ("c", 0), ("b", 1), ("c", 1), ("c", 2) })
        {
            var query = round == 0 ? ProblemFor(key).Description : $"lookup for {key} round {round}";
            var seen = Assert.Single(searches, s => s.Query == query).Written;
            Assert.Equal([.. r0.Take(round == 0 ? 0 : 3), .. r1.Take(round == 2 ? 2 : 0)], seen);
        }
    }

    private static GenerationProblem ProblemFor(string key) => new()
    {
        Id = $"p/{key}",
        Description = $"Write `def {Plans[key].Function}(bucket, key)` (problem {key}) returning the value stored under key in a pondlet Bucket.",
        Language = "python",
        Library = "pondlet",
        CodeContext = Problems.GetValue().CodeContext,
        VisibleTests = new ScriptTests { Code = $"assert {Plans[key].Function}(Bucket(), 'a') == 1" },
    };

    /// <summary>What the store was asked: each search with the documents written before it, and the adds in order.</summary>
    private sealed class StoreLog
    {
        private readonly Lock _gate = new();
        private readonly List<string> _added = [];
        private readonly List<(string Base, string Query, IReadOnlyList<string> Written)> _searches = [];

        public IReadOnlyList<string> Added
        {
            get
            {
                lock (_gate)
                {
                    return [.. _added];
                }
            }
        }

        public IReadOnlyList<(string Base, string Query, IReadOnlyList<string> Written)> Searches
        {
            get
            {
                lock (_gate)
                {
                    return [.. _searches];
                }
            }
        }

        /// <summary>The store behind a proxy that logs to <paramref name="log"/> (a proxy, so that it follows the interface as it grows).</summary>
        public static IKnowledgeBaseStore Wrap(IKnowledgeBaseStore inner, StoreLog log)
        {
            var proxy = DispatchProxy.Create<IKnowledgeBaseStore, Spy>();
            ((Spy)(object)proxy).Attach(inner, log);
            return proxy;
        }

        public void Searched(string name, string query)
        {
            lock (_gate)
            {
                _searches.Add((name, query, [.. _added]));
            }
        }

        public async Task<IngestResult> AddedAsync(string name, IEnumerable<KnowledgeDocument> documents, Task<IngestResult> add)
        {
            var result = await add;
            if (name == Overlay)
            {
                lock (_gate)
                {
                    _added.AddRange(documents.Select(d => d.Id ?? ""));
                }
            }

            return result;
        }
    }

    public class Spy : DispatchProxy
    {
        private IKnowledgeBaseStore _inner = null!;
        private StoreLog _log = null!;

        internal void Attach(IKnowledgeBaseStore inner, object log) => (_inner, _log) = (inner, (StoreLog)log);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IKnowledgeBaseStore.SearchAsync) && args is [string name, SearchRequest request, ..])
            {
                _log.Searched(name, request.Query);
            }

            var result = targetMethod.Invoke(_inner, BindingFlags.DoNotWrapExceptions, null, args, null);
            if (targetMethod.Name == nameof(IKnowledgeBaseStore.AddDocumentsAsync) && args is [string target, IEnumerable<KnowledgeDocument> documents, ..]
                && result is Task<IngestResult> add)
            {
                return _log.AddedAsync(target, [.. documents], add);
            }

            return result;
        }
    }
}
