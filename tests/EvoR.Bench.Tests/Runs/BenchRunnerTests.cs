using System.Net;
using EvoR.Bench.Commands;
using EvoR.Bench.Datasets;
using Microsoft.SemanticKernel;

namespace EvoR.Bench.Tests.Runs;

/// <summary>The <c>run</c> command end to end: in-process, the real process sandbox, a scripted model.</summary>
public sealed class BenchRunnerTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private const string Gap = ScriptedGapDataset.DatasetName;

    [Fact]
    public async Task Run_KnowledgeGap_EvoRBeatsDocPromptingBeatsVanillaAndIsLabelledScripted()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();

        var (exit, output, error) = await h.RunAsync(GapModel.Create(), Ct, "run", "--dataset", Gap, "--methods", "evor,docprompting,vanilla", "--out", h.Out, "--run-id", "gap");

        Assert.True(exit == BenchCli.ExitOk, error + output);
        var accuracy = (string m) => h.Row(Gap, m).GetProperty("accuracy").GetDouble();
        Assert.Equal(3, h.Row(Gap, "evor").GetProperty("passed").GetInt32());
        Assert.Equal(1, h.Row(Gap, "docprompting").GetProperty("passed").GetInt32());
        Assert.Equal(0, h.Row(Gap, "vanilla").GetProperty("passed").GetInt32());
        Assert.True(accuracy("evor") > accuracy("docprompting") && accuracy("docprompting") > accuracy("vanilla"));
        Assert.True(h.Summary().GetProperty("scripted").GetBoolean());
        Assert.All(h.Summary().GetProperty("results").EnumerateArray(), r => Assert.True(r.GetProperty("scripted").GetBoolean()));
        var md = File.ReadAllText(Path.Combine(h.Out, "summary.md"));
        Assert.Contains("SCRIPTED", md, StringComparison.Ordinal);
        Assert.Contains("| evor (scripted) | 100.0 | 100.0 |", md, StringComparison.Ordinal);
        // EvoR needed a second round on two problems: by round 1 it stood where DocPrompting ends.
        var byRound = h.Row(Gap, "evor").GetProperty("accuracyByRound").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal([1 / 3.0, 1.0], byRound.Take(2).Select(v => Math.Round(v, 6)), new RoundedComparer());
        Assert.Contains("## Accuracy by round", md, StringComparison.Ordinal);

        // Gold-doc recall: the gold line is only on the fetch page. EvoR's final prompts all hold it (round 2 found it
        // for problems 2 and 3), DocPrompting's one retrieval only for problem 1, vanilla retrieves nothing.
        var recall = (string m) => h.Row(Gap, m).GetProperty("goldDocRecall").GetDouble();
        Assert.Equal((1.0, 1 / 3.0, 0.0), (recall("evor"), Math.Round(recall("docprompting"), 9), recall("vanilla")), new RecallTriple());
        Assert.True(recall("evor") > recall("vanilla"));
        Assert.All(h.Summary().GetProperty("results").EnumerateArray(), r => Assert.Equal(3, r.GetProperty("goldDocProblems").GetInt32()));
        Assert.Contains("## Gold-documentation recall", md, StringComparison.Ordinal);
        Assert.Contains("| scripted-gap | evor | 3 | 100.0 |", md, StringComparison.Ordinal);
        Assert.Contains("| scripted-gap | vanilla | 3 | 0.0 |", md, StringComparison.Ordinal);
        // No prices given: cost is written as null, and summary.md has no cost column.
        Assert.Equal(System.Text.Json.JsonValueKind.Null, h.Row(Gap, "evor").GetProperty("cost").ValueKind);
        Assert.DoesNotContain("Cost (USD)", md, StringComparison.Ordinal);
        Assert.All(h.Samples(), s => Assert.Equal("scripted", s.GetProperty("answerSource").GetString()));
        Assert.True(h.Row(Gap, "evor").GetProperty("llmCalls").GetInt32() > h.Row(Gap, "vanilla").GetProperty("llmCalls").GetInt32());

        // run.json: the dataset's identity, the model, the loop's settings as run.
        using var run = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(h.Out, "run.json")));
        var info = run.RootElement;
        Assert.Equal("gap", info.GetProperty("runId").GetString());
        Assert.Equal((Gap, 3, 16), (info.GetProperty("datasets")[0].GetProperty("name").GetString(), info.GetProperty("datasets")[0].GetProperty("problems").GetInt32(),
            info.GetProperty("datasets")[0].GetProperty("hash").GetString()!.Length));
        Assert.Equal("scripted", info.GetProperty("model").GetProperty("provider").GetString());
        Assert.Equal(1, info.GetProperty("loop").GetProperty("retrievalK").GetInt32());
        Assert.Equal("process", info.GetProperty("sandboxBackend").GetString());
        Assert.True(info.GetProperty("scripted").GetBoolean());
        Assert.True(info.TryGetProperty("finishedAt", out _));

        // report.html: self-contained, labelled scripted, a 3 × 3 grid, and every round to click through.
        var html = File.ReadAllText(Path.Combine(h.Out, "report.html"));
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.Contains("id=\"scripted\"", html, StringComparison.Ordinal);
        Assert.Equal(9, System.Text.RegularExpressions.Regex.Count(html, "<td class=\"(pass|fail)\" title=\"gap/"));
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Count(html, "<td class=\"pass\" title=\"gap/"));
        Assert.Equal(9, System.Text.RegularExpressions.Regex.Count(html, "<details class=\"sample\">"));
        Assert.Contains(System.Net.WebUtility.HtmlEncode(GapModel.Rewrite), html, StringComparison.Ordinal);
        Assert.Contains("vault-fetch (documentation", html, StringComparison.Ordinal);

        // compare against a run of the pseudo-methods' folder is wired (every cell of A, none of B).
        using var other = new BenchRunHarness();
        Assert.Equal(0, (await other.RunAsync(null, Ct, "run", "--dataset", Gap, "--methods", "reference", "--out", other.Out)).Exit);
        using var compared = new StringWriter();
        Assert.Equal(0, await BenchCli.RunAsync(["compare", h.Out, other.Out], compared, TextWriter.Null, TimeProvider.System, Ct));
        Assert.Contains("| scripted-gap | evor | 100.0 | – | – |", compared.ToString(), StringComparison.Ordinal);
        Assert.Contains("| scripted-gap | reference | – | 100.0 | – |", compared.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Rerun_ContinuesWithoutRedoingAndEndsWithTheSameSummary()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var full = new BenchRunHarness();
        using var resumed = new BenchRunHarness();
        string[] args = ["run", "--dataset", Gap, "--methods", "evor,vanilla", "--run-id", "resume", "--concurrency", "1"];
        Assert.Equal(0, (await full.RunAsync(GapModel.Create(), Ct, [.. args, "--out", full.Out])).Exit);

        // A run killed after two samples, mid-way through writing the third line.
        Directory.CreateDirectory(resumed.Out);
        var lines = File.ReadAllLines(Path.Combine(full.Out, "samples.jsonl"));
        File.WriteAllText(Path.Combine(resumed.Out, "samples.jsonl"), lines[0] + "\n" + lines[1] + "\n" + lines[2][..(lines[2].Length / 2)]);
        var model = GapModel.Create();
        Assert.Equal(0, (await resumed.RunAsync(model, Ct, [.. args, "--out", resumed.Out])).Exit);

        var keys = resumed.Samples().Select(s => $"{s.GetProperty("method")}/{s.GetProperty("problemId")}").ToList();
        Assert.Equal(6, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(full.SummaryText(), resumed.SummaryText());

        // Once complete, a rerun calls the model not once and changes nothing.
        var calls = model.Prompts.Count;
        Assert.Equal(0, (await resumed.RunAsync(model, Ct, [.. args, "--out", resumed.Out])).Exit);
        Assert.Equal(calls, model.Prompts.Count);
        Assert.Equal(6, resumed.Samples().Count);
        Assert.Equal(full.SummaryText(), resumed.SummaryText());
    }

    [Fact]
    public async Task Run_ModelCallsFail_CountedAsModelFailuresInTheDenominatorThenRetriedWithRetryFailed()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();
        var failing = GapModel.Create(_ => throw new HttpOperationException(HttpStatusCode.BadRequest, "", "refused", null));
        string[] args = ["run", "--dataset", Gap, "--methods", "vanilla", "--out", h.Out, "--Llm:Resilience:MaxRetryAttempts=0"];

        Assert.Equal(0, (await h.RunAsync(failing, Ct, args)).Exit);

        var row = h.Row(Gap, "vanilla");
        Assert.Equal((3, 0), (row.GetProperty("problems").GetInt32(), row.GetProperty("passed").GetInt32()));
        Assert.Equal(3, row.GetProperty("failures").GetProperty("model-call-failed").GetInt32());
        Assert.Equal(3, row.GetProperty("retryableProblems").GetArrayLength());
        Assert.Contains("--retry-failed", File.ReadAllText(Path.Combine(h.Out, "summary.md")), StringComparison.Ordinal);

        // Without --retry-failed a rerun keeps them; with it, they run again (and now fail honestly: the old API).
        var working = GapModel.Create();
        Assert.Equal(0, (await h.RunAsync(working, Ct, args)).Exit);
        Assert.Empty(working.Prompts);
        Assert.Equal(0, (await h.RunAsync(working, Ct, [.. args, "--retry-failed"])).Exit);
        row = h.Row(Gap, "vanilla");
        Assert.Equal(0, row.GetProperty("failures").GetProperty("model-call-failed").GetInt32());
        Assert.Equal(3, row.GetProperty("failures").GetProperty("ran-with-errors").GetInt32());
        Assert.Equal(3, row.GetProperty("problems").GetInt32());
        Assert.Equal(6, h.Samples().Count);
    }

    [Fact]
    public async Task Run_Cancelled_Exits130KeepsFinishedSamplesAndTheRerunCompletes()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var generations = 0;
        var model = GapModel.Create(p =>
        {
            // Ctrl-C while the third problem is being generated (vanilla makes one call per problem).
            if (Interlocked.Increment(ref generations) == 3)
            {
                cts.Cancel();
            }

            return null;
        });
        string[] args = ["run", "--dataset", Gap, "--methods", "vanilla", "--out", h.Out, "--concurrency", "1"];

        var (exit, _, error) = await h.RunAsync(model, cts.Token, args);

        Assert.Equal(BenchCli.ExitCancelled, exit);
        Assert.Contains("Cancelled", error, StringComparison.Ordinal);
        Assert.Equal(2, h.Samples().Count);
        Assert.Equal(0, (await h.RunAsync(GapModel.Create(), Ct, args)).Exit);
        Assert.Equal(3, h.Samples().Count);
        Assert.Equal(3, h.Row(Gap, "vanilla").GetProperty("finished").GetInt32());
    }

    [Fact]
    public async Task Run_SampleWithoutProgress_IsNamedInALivenessWarning()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();
        var model = GapModel.Create(p =>
        {
            if (p.Contains("smallest(", StringComparison.Ordinal))
            {
                // A model call that hangs for a while (the double answers synchronously).
                Thread.Sleep(TimeSpan.FromSeconds(4));
            }

            return null;
        });

        var (exit, output, error) = await h.RunAsync(model, Ct, "run", "--dataset", Gap, "--methods", "vanilla", "--out", h.Out, "--stall-seconds", "1");

        Assert.True(exit == 0, error + output);
        // On a loaded machine another sample may also go a second without progress, and naming it then is right too:
        // what must show is the hung one.
        var warnings = output.Split('\n').Where(l => l.StartsWith("warning: no progress for 1 s on ", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Any(w => w.Contains("scripted-gap/vanilla/gap/smallest", StringComparison.Ordinal)), output);
    }

    [Fact]
    public async Task Run_SeveralSamples_ReportsUnbiasedPassAtK()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();

        var (exit, output, error) = await h.RunAsync(null, Ct, "run", "--dataset", Gap, "--methods", "reference,empty", "--samples", "2", "--out", h.Out);

        Assert.True(exit == 0, error + output);
        Assert.Equal(12, h.Samples().Count);
        var reference = h.Row(Gap, "reference").GetProperty("passAtK");
        Assert.Equal((1.0, 1.0), (reference.GetProperty("pass@1").GetDouble(), reference.GetProperty("pass@2").GetDouble()));
        Assert.Equal(0.0, h.Row(Gap, "empty").GetProperty("passAtK").GetProperty("pass@2").GetDouble());
        Assert.Contains("unbiased pass@1 over 2 samples", File.ReadAllText(Path.Combine(h.Out, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_KilledMidRun_RerunLosesNoneRedoesNoneAndEndsWithTheSameSummary()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        var dataset = HumanEvalLoader.ResolvePath(null, AppContext.BaseDirectory);
        Assert.SkipWhen(dataset is null || !File.Exists(dataset), $"HumanEval not found at {dataset}");
        using var killed = new BenchRunHarness();
        using var whole = new BenchRunHarness();
        string[] args = ["run", "--dataset", dataset!, "--methods", "reference", "--limit", "12", "--run-id", "kill", "--concurrency", "1"];
        Assert.Equal(0, (await whole.RunAsync(null, Ct, [.. args, "--out", whole.Out])).Exit);

        // The bench's own build output (built with this test project, which references it).
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)); // …/bin/<Configuration>/<tfm>
        var exe = Path.Combine(SolutionDirectory(), "bench", "EvoR-Bench", "bin", output.Parent!.Name, output.Name, "EvoR.Bench.dll");
        Assert.SkipUnless(File.Exists(exe), $"The bench is not built at {exe}");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[exe, .. args, "--out", killed.Out, .. BenchRunHarness.Common])
        {
            start.ArgumentList.Add(a);
        }

        Task<string> stderr;
        using (var process = System.Diagnostics.Process.Start(start)!)
        {
            _ = process.StandardOutput.ReadToEndAsync(Ct);
            stderr = process.StandardError.ReadToEndAsync(Ct);
            var samples = Path.Combine(killed.Out, "samples.jsonl");
            while (!process.HasExited && (!File.Exists(samples) || File.ReadAllLines(samples).Length < 4))
            {
                await Task.Delay(20, Ct);
            }

            process.Kill(entireProcessTree: true); // SIGKILL: no chance to finish a line or write a summary
            await process.WaitForExitAsync(Ct);
        }

        Assert.True(File.Exists(Path.Combine(killed.Out, "samples.jsonl")), await stderr);
        var before = killed.Samples().Count;
        Assert.InRange(before, 4, 11);
        Assert.Equal(0, (await killed.RunAsync(null, Ct, [.. args, "--out", killed.Out])).Exit);

        var ids = killed.Samples().Select(s => s.GetProperty("problemId").GetString()).ToList();
        Assert.Equal(12, ids.Count);
        Assert.Equal(12, ids.Distinct().Count());
        Assert.Equal(whole.SummaryText(), killed.SummaryText());
    }

    [Fact]
    public async Task Run_ReferenceAndEmpty_ScoreAllAndNothing()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();

        var (exit, output, error) = await h.RunAsync(null, Ct, "run", "--dataset", Gap, "--methods", "reference,empty", "--out", h.Out);

        Assert.True(exit == 0, error + output);
        Assert.Equal(1.0, h.Row(Gap, "reference").GetProperty("accuracy").GetDouble());
        Assert.Equal(0.0, h.Row(Gap, "empty").GetProperty("accuracy").GetDouble());
        Assert.Equal(0, h.Row(Gap, "reference").GetProperty("llmCalls").GetInt32());
    }

    [Fact]
    public async Task Run_HumanEvalReferenceAndEmpty_164And0()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        var path = HumanEvalLoader.ResolvePath(null, AppContext.BaseDirectory);
        Assert.SkipWhen(path is null || !File.Exists(path), $"HumanEval not found at {path}");
        using var h = new BenchRunHarness();

        var (exit, output, error) = await h.RunAsync(null, Ct, "run", "--dataset", path!, "--methods", "reference,empty", "--out", h.Out, "--concurrency", "4");

        Assert.True(exit == 0, error + output);
        Assert.Equal((164, 164), (h.Row("humaneval", "reference").GetProperty("problems").GetInt32(), h.Row("humaneval", "reference").GetProperty("passed").GetInt32()));
        Assert.Equal((164, 0), (h.Row("humaneval", "empty").GetProperty("problems").GetInt32(), h.Row("humaneval", "empty").GetProperty("passed").GetInt32()));
        Assert.False(h.Summary().GetProperty("scripted").GetBoolean());
        Assert.Contains("| reference | 100.0 | 100.0 |", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ReplayedCassette_ReproducesSummaryJsonExactly()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var recorded = new BenchRunHarness();
        using var replayed = new BenchRunHarness();
        var cassette = Path.Combine(recorded.Dir.Path, "gap.cassette.jsonl");
        string[] args = ["run", "--dataset", Gap, "--methods", "evor,docprompting,vanilla", "--run-id", "cassette", "--concurrency", "1"];
        Assert.Equal(0, (await recorded.RunAsync(GapModel.Create(), Ct, [.. args, "--out", recorded.Out, "--cassette", "record", cassette])).Exit);

        var (exit, output, error) = await replayed.RunAsync(null, Ct, [.. args, "--out", replayed.Out, "--cassette", "replay", cassette]);

        Assert.True(exit == 0, error + output);
        Assert.Equal(recorded.SummaryText().Replace("\"scripted\": true", "", StringComparison.Ordinal), replayed.SummaryText().Replace("\"scripted\": true", "", StringComparison.Ordinal));
        Assert.Equal(3, replayed.Row(Gap, "evor").GetProperty("passed").GetInt32());
    }

    [Fact]
    public async Task Run_MaxTokens_NoNewSampleStartsAndTheRestCountAsNotRun()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();
        var model = GapModel.Create();
        string[] args = ["run", "--dataset", Gap, "--methods", "evor,vanilla", "--out", h.Out, "--concurrency", "1", "--max-tokens", "1"];

        Assert.Equal(0, (await h.RunAsync(model, Ct, args)).Exit);

        // The first sample spent more than the budget; nothing started after it, and the denominator stayed 3 per cell.
        Assert.Single(h.Samples());
        var summary = h.Summary();
        Assert.Equal("max-tokens", summary.GetProperty("stoppedBy").GetString());
        Assert.Equal(1, summary.GetProperty("maxTokens").GetInt64());
        Assert.True(summary.GetProperty("tokensUsed").GetInt64() >= 1);
        var rows = summary.GetProperty("results").EnumerateArray().ToList();
        Assert.All(rows, r => Assert.Equal(3, r.GetProperty("problems").GetInt32()));
        Assert.Equal(5, rows.Sum(r => r.GetProperty("failures").GetProperty("notRun").GetInt32()));
        Assert.Equal(1, rows.Sum(r => r.GetProperty("finished").GetInt32()));
        var md = File.ReadAllText(Path.Combine(h.Out, "summary.md"));
        Assert.Contains("Stopped by the token budget", md, StringComparison.Ordinal);
        Assert.Contains("(1/3 run)", md, StringComparison.Ordinal);
        using (var run = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(h.Out, "run.json"))))
        {
            Assert.Equal(1, run.RootElement.GetProperty("maxTokens").GetInt64());
        }

        // A rerun under the same budget starts nothing (the budget counts the run's samples so far) ...
        var calls = model.Prompts.Count;
        Assert.Equal(0, (await h.RunAsync(model, Ct, args)).Exit);
        Assert.Equal(calls, model.Prompts.Count);
        Assert.Single(h.Samples());

        // ... and one without a budget completes it, no longer stopped.
        Assert.Equal(0, (await h.RunAsync(model, Ct, [.. args[..^2]])).Exit);
        Assert.Equal(6, h.Samples().Count);
        Assert.False(h.Summary().TryGetProperty("stoppedBy", out _));
        Assert.DoesNotContain("Stopped by the token budget", File.ReadAllText(Path.Combine(h.Out, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Prices_CostPerCellFromTokensInSummaryJsonAndMarkdown()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();

        var (exit, output, error) = await h.RunAsync(GapModel.Create(), Ct, "run", "--dataset", Gap, "--methods", "vanilla,reference", "--limit", "2", "--out", h.Out,
            "--price-in", "3", "--price-out", "15");

        Assert.True(exit == 0, error + output);
        var row = h.Row(Gap, "vanilla");
        var (tokensIn, tokensOut) = (row.GetProperty("tokensIn").GetInt64(), row.GetProperty("tokensOut").GetInt64());
        Assert.True(tokensIn > 0 && tokensOut > 0);
        Assert.Equal((tokensIn * 3 + tokensOut * 15) / 1e6, row.GetProperty("cost").GetDouble(), 12);
        Assert.Equal(0.0, h.Row(Gap, "reference").GetProperty("cost").GetDouble());
        Assert.Equal((3.0, 15.0), (h.Summary().GetProperty("priceInPerMTok").GetDouble(), h.Summary().GetProperty("priceOutPerMTok").GetDouble()));
        var md = File.ReadAllText(Path.Combine(h.Out, "summary.md"));
        Assert.Contains("Cost (USD) |", md, StringComparison.Ordinal);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"| {tokensIn} | {tokensOut} |"), md, StringComparison.Ordinal);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $" {(tokensIn * 3 + tokensOut * 15) / 1e6:0.0000} |"), md, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "--dataset", "scripted-gap")]
    [InlineData("run", "--dataset", "scripted-gap", "--out", "x", "--methods", "magic")]
    [InlineData("run", "--dataset", "no-such-dataset", "--out", "x")]
    [InlineData("run", "--dataset", "scripted-gap", "--out", "x", "--stray")]
    [InlineData("run", "--dataset", "scripted-gap", "--out", "x", "--cassette", "play", "c.jsonl")]
    [InlineData("run", "--dataset", "scripted-gap", "--out", "x", "--price-in", "1")]
    [InlineData("run", "--dataset", "scripted-gap", "--out", "x", "--price-in", "-1", "--price-out", "1")]
    [InlineData("run", "--dataset", "scripted-gap", "--out", "x", "--max-tokens", "0")]
    [InlineData("sandbox", "--iterations", "0")]
    [InlineData("nonsense")]
    public async Task Cli_BadCommandLine_ExitsWithUsage(params string[] args)
    {
        using var h = new BenchRunHarness();
        var (exit, _, error) = await h.RunAsync(null, Ct, [.. args.Select(a => a == "x" ? h.Out : a)]);

        Assert.Equal(BenchCli.ExitUsage, exit);
        Assert.NotEmpty(error);
    }

    [Fact]
    public async Task Cli_Methods_ListsCatalogAblationsAndPseudoMethods()
    {
        using var output = new StringWriter();
        var exit = await BenchCli.RunAsync(["methods"], output, TextWriter.Null, TimeProvider.System, Ct);

        Assert.Equal(0, exit);
        foreach (var name in new[] { "evor ", "evor-no-query-evolution", "evor-no-knowledge-evolution", "evor-no-evolution", "evor-sources-docs+exec", "reference", "empty" })
        {
            Assert.Contains(name, output.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ConfigurationOverrides_BothForms_BecomeKeyEqualsValue() =>
        Assert.Equal(["--Llm:Model=m", "--Sandbox:Backend=docker"], BenchCli.ConfigurationOverrides(["--Llm:Model=m", "--Sandbox:Backend", "docker"]));

    private static string SolutionDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EvoR.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("No EvoR.sln above the test's folder.");
    }

    private sealed class RecallTriple : IEqualityComparer<(double, double, double)>
    {
        public bool Equals((double, double, double) x, (double, double, double) y) =>
            Math.Abs(x.Item1 - y.Item1) < 1e-9 && Math.Abs(x.Item2 - y.Item2) < 1e-9 && Math.Abs(x.Item3 - y.Item3) < 1e-9;

        public int GetHashCode((double, double, double) obj) => 0;
    }

    private sealed class RoundedComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-6;

        public int GetHashCode(double obj) => 0;
    }
}
