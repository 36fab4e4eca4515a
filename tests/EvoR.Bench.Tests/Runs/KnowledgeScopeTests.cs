using System.Text.Json;
using EvoR.Bench.Commands;
using EvoR.Bench.Datasets;

namespace EvoR.Bench.Tests.Runs;

/// <summary><c>run --knowledge-scope problem|run</c> end to end: in-process, the real process sandbox, a scripted model.</summary>
public sealed class KnowledgeScopeTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private const string Shared = ScriptedSharedClueDataset.DatasetName;
    private const string Clueless = ScriptedSharedClueDataset.CluelessProblem;

    [Fact]
    public async Task Run_SharedClue_OnlyTheRunScopeSolvesTheCluelessProblemAndEvoRBeatsDocPromptingBeatsVanilla()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var perProblem = new BenchRunHarness();
        using var perRun = new BenchRunHarness();
        string[] args = ["run", "--dataset", Shared, "--methods", "evor,docprompting,vanilla", "--run-id", "clue"];

        var problemRun = await perProblem.RunAsync(SharedClueModel.Create(), Ct, [.. args, "--out", perProblem.Out]);
        var runRun = await perRun.RunAsync(SharedClueModel.Create(), Ct, [.. args, "--out", perRun.Out, "--knowledge-scope", "run"]);

        Assert.True(problemRun.Exit == BenchCli.ExitOk, problemRun.Error + problemRun.Output);
        Assert.True(runRun.Exit == BenchCli.ExitOk, runRun.Error + runRun.Output);
        var passed = (BenchRunHarness h, string m) => h.Row(Shared, m).GetProperty("passed").GetInt32();
        Assert.Equal((2, 1, 0), (passed(perProblem, "evor"), passed(perProblem, "docprompting"), passed(perProblem, "vanilla")));
        Assert.Equal((3, 1, 0), (passed(perRun, "evor"), passed(perRun, "docprompting"), passed(perRun, "vanilla")));
        var grid = (BenchRunHarness h) => h.Summary().GetProperty("grid").GetProperty(Shared).GetProperty("evor").GetProperty(Clueless).GetBoolean();
        Assert.False(grid(perProblem));
        Assert.True(grid(perRun));

        // The clue: in the run scope the clueless problem's second round retrieved the first problem's working code
        // (written in round 0); in the problem scope it only ever saw the documentation and its own failure.
        var retrieved = (BenchRunHarness h) => Sample(h, "evor", Clueless).GetProperty("rounds").EnumerateArray()
            .Select(r => r.GetProperty("retrieved").EnumerateArray().Select(d => d.GetProperty("documentId").GetString()).ToList()).ToList();
        Assert.Equal(["shared/read-primary/round-0/code_snippet"], retrieved(perRun)[1]);
        Assert.DoesNotContain(retrieved(perProblem).SelectMany(r => r), id => id!.StartsWith("shared/read-primary", StringComparison.Ordinal));
        Assert.True(Sample(perRun, "evor", Clueless).GetProperty("passed").GetBoolean());

        // Still scripted, and labelled so.
        Assert.True(perRun.Summary().GetProperty("scripted").GetBoolean());
        Assert.Contains("SCRIPTED", File.ReadAllText(Path.Combine(perRun.Out, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_KnowledgeScope_RecordedInRunJsonEveryResultSummaryMdAndReport()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        foreach (var scope in new[] { "problem", "run" })
        {
            using var h = new BenchRunHarness();
            string[] extra = scope == "problem" ? [] : ["--knowledge-scope", scope];

            var (exit, output, error) = await h.RunAsync(null, Ct, ["run", "--dataset", Shared, "--methods", "reference,empty", "--out", h.Out, .. extra]);

            Assert.True(exit == BenchCli.ExitOk, error + output);
            Assert.Equal(scope, h.Summary().GetProperty("knowledgeScope").GetString());
            Assert.All(h.Summary().GetProperty("results").EnumerateArray(), r => Assert.Equal(scope, r.GetProperty("knowledgeScope").GetString()));
            using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(h.Out, "run.json")));
            Assert.Equal(scope, run.RootElement.GetProperty("knowledgeScope").GetString());
            Assert.Contains($"Knowledge scope: {scope}: ", File.ReadAllText(Path.Combine(h.Out, "summary.md")), StringComparison.Ordinal);
            Assert.Contains($"<p id=\"knowledge-scope\">Knowledge scope: {scope}: ", File.ReadAllText(Path.Combine(h.Out, "report.html")), StringComparison.Ordinal);
            Assert.Equal(1.0, h.Row(Shared, "reference").GetProperty("accuracy").GetDouble());
        }
    }

    [Fact]
    public async Task Run_RunScope_Concurrency1And8GiveTheSameSummaryAndTheSameRounds()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var narrow = new BenchRunHarness();
        using var wide = new BenchRunHarness();
        string[] args = ["run", "--dataset", Shared, "--methods", "evor,evor-no-query-evolution,docprompting", "--samples", "2", "--run-id", "det", "--knowledge-scope", "run"];
        // Scrambled timing on the wide run: which problem gets where first must not matter.
        var jittery = SharedClueModel.Create(_ => Thread.Sleep(Random.Shared.Next(0, 30)));

        Assert.Equal(0, (await narrow.RunAsync(SharedClueModel.Create(), Ct, [.. args, "--out", narrow.Out, "--concurrency", "1"])).Exit);
        Assert.Equal(0, (await wide.RunAsync(jittery, Ct, [.. args, "--out", wide.Out, "--concurrency", "8"])).Exit);

        // summary.json holds no timings: it must be the same byte for byte.
        Assert.Equal(narrow.SummaryText(), wide.SummaryText());
        Assert.Equal(3, narrow.Row(Shared, "evor").GetProperty("passed").GetInt32());
        // And every sample's rounds (queries, what was retrieved, programs) are the same, apart from timings.
        Assert.Equal(Rounds(narrow), Rounds(wide));
    }

    [Fact]
    public async Task Run_RunScopeCancelledMidGroup_RerunRedoesOnlyThatGroupAndEndsWithTheSameSummary()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var whole = new BenchRunHarness();
        using var cancelled = new BenchRunHarness();
        string[] args = ["run", "--dataset", Shared, "--methods", "vanilla,evor", "--run-id", "resume", "--concurrency", "1", "--knowledge-scope", "run"];
        Assert.Equal(0, (await whole.RunAsync(SharedClueModel.Create(), Ct, [.. args, "--out", whole.Out])).Exit);
        var evorCalls = whole.Row(Shared, "evor").GetProperty("llmCalls").GetInt32();

        // Ctrl-C at EvoR's first query rewrite: the vanilla group is complete, the evor group is mid-way.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var model = SharedClueModel.Create(p =>
        {
            if (p.Contains("Answer with the query only", StringComparison.Ordinal))
            {
                cts.Cancel();
            }
        });
        Assert.Equal(BenchCli.ExitCancelled, (await cancelled.RunAsync(model, cts.Token, [.. args, "--out", cancelled.Out])).Exit);
        Assert.Equal(["vanilla", "vanilla", "vanilla"], cancelled.Samples().Select(s => s.GetProperty("method").GetString()));

        // The rerun redoes the evor group from a fresh overlay (every one of its calls again) and not the vanilla one.
        var rerun = SharedClueModel.Create();
        Assert.Equal(0, (await cancelled.RunAsync(rerun, Ct, [.. args, "--out", cancelled.Out])).Exit);
        Assert.Equal(evorCalls, rerun.Prompts.Count);
        Assert.Equal(6, cancelled.Samples().Count);
        Assert.Equal(whole.SummaryText(), cancelled.SummaryText());
    }

    [Fact]
    public async Task Run_RunScopeGroupTornMidAppend_RerunRedoesTheWholeGroupAndEndsWithTheSameSummary()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var whole = new BenchRunHarness();
        using var torn = new BenchRunHarness();
        string[] args = ["run", "--dataset", Shared, "--methods", "vanilla,evor", "--run-id", "torn", "--concurrency", "2", "--knowledge-scope", "run"];
        Assert.Equal(0, (await whole.RunAsync(SharedClueModel.Create(), Ct, [.. args, "--out", whole.Out])).Exit);
        var evorCalls = whole.Row(Shared, "evor").GetProperty("llmCalls").GetInt32();

        // Killed while appending the evor group: its first two lines whole, the third torn.
        Directory.CreateDirectory(torn.Out);
        File.Copy(Path.Combine(whole.Out, "run.json"), Path.Combine(torn.Out, "run.json"));
        var lines = File.ReadAllLines(Path.Combine(whole.Out, "samples.jsonl"));
        var vanilla = lines.Where(l => l.Contains("\"method\":\"vanilla\"", StringComparison.Ordinal)).ToList();
        var evor = lines.Where(l => l.Contains("\"method\":\"evor\"", StringComparison.Ordinal)).ToList();
        Assert.Equal((3, 3), (vanilla.Count, evor.Count));
        File.WriteAllText(Path.Combine(torn.Out, "samples.jsonl"), string.Join('\n', [.. vanilla, evor[0], evor[1], evor[2][..(evor[2].Length / 2)]]));

        var rerun = SharedClueModel.Create();
        Assert.Equal(0, (await torn.RunAsync(rerun, Ct, [.. args, "--out", torn.Out])).Exit);

        // The two whole evor lines did not count: the group ran again whole (its new lines supersede them).
        Assert.Equal(evorCalls, rerun.Prompts.Count);
        Assert.Equal(3 + 2 + 3, torn.Samples().Count);
        Assert.Equal(whole.SummaryText(), torn.SummaryText());

        // Once complete, a rerun calls the model not once.
        var again = SharedClueModel.Create();
        Assert.Equal(0, (await torn.RunAsync(again, Ct, [.. args, "--out", torn.Out])).Exit);
        Assert.Empty(again.Prompts);
        Assert.Equal(whole.SummaryText(), torn.SummaryText());
    }

    [Fact]
    public async Task Run_RunScopeOneProblemsModelFails_GroupStillFinishesThenRetryFailedRedoesItWhole()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var clean = new BenchRunHarness();
        using var h = new BenchRunHarness();
        string[] args = ["run", "--dataset", Shared, "--methods", "evor", "--run-id", "retry", "--knowledge-scope", "run", "--Llm:Resilience:MaxRetryAttempts=0"];
        Assert.Equal(0, (await clean.RunAsync(SharedClueModel.Create(), Ct, [.. args, "--out", clean.Out])).Exit);
        // The model refuses every call for the first problem: it leaves the schedule at once, the others go on without it.
        var failing = SharedClueModel.Create(p =>
        {
            if (SharedClueModel.Task(p).Contains("read_primary(", StringComparison.Ordinal))
            {
                throw new Microsoft.SemanticKernel.HttpOperationException(System.Net.HttpStatusCode.BadRequest, "", "refused", null);
            }
        });

        var (exit, output, error) = await h.RunAsync(failing, Ct, [.. args, "--out", h.Out]).WaitAsync(TimeSpan.FromMinutes(2), Ct);

        Assert.True(exit == 0, error + output);
        var row = h.Row(Shared, "evor");
        Assert.Equal((1, 1), (row.GetProperty("failures").GetProperty("model-call-failed").GetInt32(), row.GetProperty("passed").GetInt32()));
        // Without the first problem's working code the clueless one fails: what a problem sees is what the others wrote.
        Assert.False(Sample(h, "evor", Clueless).GetProperty("passed").GetBoolean());

        // --retry-failed redoes the group whole, from a fresh overlay: the same as a run that never failed.
        var working = SharedClueModel.Create();
        Assert.Equal(0, (await h.RunAsync(working, Ct, [.. args, "--out", h.Out, "--retry-failed"])).Exit);
        Assert.Equal(clean.Row(Shared, "evor").GetProperty("llmCalls").GetInt32(), working.Prompts.Count);
        Assert.Equal(clean.SummaryText(), h.SummaryText());
    }

    [Fact]
    public async Task Run_FolderOfTheOtherScope_IsRefusedWithUsage()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();
        Assert.Equal(0, (await h.RunAsync(null, Ct, "run", "--dataset", Shared, "--methods", "reference", "--out", h.Out)).Exit);

        var (exit, _, error) = await h.RunAsync(null, Ct, "run", "--dataset", Shared, "--methods", "reference", "--out", h.Out, "--knowledge-scope", "run");

        Assert.Equal(BenchCli.ExitUsage, exit);
        Assert.Contains("--knowledge-scope problem, not run", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RunScopeWithAnotherLimit_IsRefusedWithUsage()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();
        string[] args = ["run", "--dataset", Shared, "--methods", "reference", "--out", h.Out, "--knowledge-scope", "run"];
        Assert.Equal(0, (await h.RunAsync(null, Ct, [.. args, "--limit", "2"])).Exit);

        var (exit, _, error) = await h.RunAsync(null, Ct, [.. args, "--limit", "3"]);

        Assert.Equal(BenchCli.ExitUsage, exit);
        Assert.Contains("--limit cannot change", error, StringComparison.Ordinal);
        Assert.Equal(0, (await h.RunAsync(null, Ct, [.. args, "--limit", "2"])).Exit);
    }

    [Fact]
    public async Task Cli_UnknownKnowledgeScope_ExitsWithUsage()
    {
        using var h = new BenchRunHarness();

        var (exit, _, error) = await h.RunAsync(null, Ct, "run", "--dataset", Shared, "--out", h.Out, "--knowledge-scope", "world");

        Assert.Equal(BenchCli.ExitUsage, exit);
        Assert.Contains("world", error, StringComparison.Ordinal);
    }

    private static JsonElement Sample(BenchRunHarness h, string method, string problem) =>
        h.Samples().Last(s => s.GetProperty("method").GetString() == method && s.GetProperty("problemId").GetString() == problem);

    /// <summary>Per sample key, its rounds without their timings, in key order.</summary>
    private static IReadOnlyList<string> Rounds(BenchRunHarness h) =>
        [.. h.Samples().Select(s => $"{s.GetProperty("method")}/{s.GetProperty("problemId")}/{s.GetProperty("sample")}: " + string.Join(" | ",
                s.GetProperty("rounds").EnumerateArray().Select(r => string.Join(" ; ",
                    r.TryGetProperty("query", out var q) ? q.GetString() : "",
                    string.Join(",", r.GetProperty("retrieved").EnumerateArray().Select(d => d.GetProperty("documentId").GetString())),
                    r.GetProperty("program").GetString(),
                    r.GetProperty("passedIfStoppedHere").GetBoolean())))).Order(StringComparer.Ordinal)];
}
