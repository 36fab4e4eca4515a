using EvoR.Bench.Datasets;
using EvoR.Bench.Runs;
using EvoR.Pipeline.Knowledge;
using EvoR.Sandbox;

namespace EvoR.Bench.Tests.Runs;

/// <summary><see cref="RunSummary.Build"/> from samples alone: gold-doc recall, the token budget, cost.</summary>
public sealed class RunSummaryTests
{
    [Theory]
    [InlineData("a\nb", 1.0)]
    [InlineData("only a here", 0.5)]
    [InlineData("nothing", 0.0)]
    public void GoldDocsShare_LinesFoundVerbatim(string prompt, double expected) =>
        Assert.Equal(expected, GoldDocs.Share(["a", "  b ", ""], prompt));

    [Fact]
    public void GoldDocsShare_NoGoldLinesIsNullAndNoPromptIsZero()
    {
        Assert.Null(GoldDocs.Share(["", " "], "anything"));
        Assert.Equal(0.0, GoldDocs.Share(["a"], null));
    }

    [Fact]
    public void Build_GoldDocRecall_MoreThan70PercentOfLinesAmongProblemsWithGoldDocsOnly()
    {
        // p1: 3 of 4 lines (75 %, counts); p2: 7 of 10 (70 %, does not: more than 70 % is needed); p3: no gold docs
        // (left out); p4: gold docs but never run (counts as missed, never dropped).
        var dataset = new FakeDataset([Problem("p1", 4), Problem("p2", 10), Problem("p3", 0), Problem("p4", 1)]);
        var summary = RunSummary.Build("r", Options(dataset), [Sample("p1", 0.75), Sample("p2", 0.7), Sample("p3", null)]);

        var row = Assert.Single(summary.Results);
        Assert.Equal(3, row.GoldDocProblems);
        Assert.Equal(1 / 3.0, row.GoldDocRecall!.Value, 9);
        Assert.Contains("| fake | vanilla | 3 | 33.3 |", SummaryWriter.Markdown(summary), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NoProblemHasGoldDocs_RecallIsNullWrittenAsNullAndNoTable()
    {
        var dataset = new FakeDataset([Problem("p1", 0)]);
        var summary = RunSummary.Build("r", Options(dataset), [Sample("p1", null)]);

        Assert.Null(summary.Results[0].GoldDocRecall);
        using var json = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(summary, BenchJson.Indented));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.RootElement.GetProperty("results")[0].GetProperty("goldDocRecall").ValueKind);
        Assert.DoesNotContain("Gold-documentation recall", SummaryWriter.Markdown(summary), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100L, 2, "max-tokens")] // budget reached with problems unrun
    [InlineData(100L, 3, null)]         // budget reached but nothing left: finished, not stopped
    [InlineData(1000L, 2, null)]        // budget not reached (a run stopped otherwise)
    [InlineData(null, 2, null)]         // no budget
    public void Build_TokenBudget_StoppedOnlyWhenReachedWithSamplesLeft(long? maxTokens, int finished, string? expected)
    {
        var dataset = new FakeDataset([Problem("p1", 0), Problem("p2", 0), Problem("p3", 0)]);
        var samples = Enumerable.Range(1, finished).Select(i => Sample($"p{i}", null) with { TokensIn = 40, TokensOut = 20 });

        var summary = RunSummary.Build("r", Options(dataset) with { MaxTokens = maxTokens }, samples);

        Assert.Equal(expected, summary.StoppedBy);
        Assert.Equal(60 * finished, summary.TokensUsed);
        Assert.Equal(3 - finished, summary.Results[0].Failures["notRun"]);
        Assert.Equal(3, summary.Results[0].Problems);
        Assert.Equal(expected is not null, SummaryWriter.Markdown(summary).Contains("Stopped by the token budget", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_Prices_CostPerCellAndNullWithoutThem()
    {
        var dataset = new FakeDataset([Problem("p1", 0)]);
        var samples = new[] { Sample("p1", null) with { TokensIn = 2_000_000, TokensOut = 500_000 } };

        var priced = RunSummary.Build("r", Options(dataset) with { PriceInPerMTok = 0.5, PriceOutPerMTok = 2 }, samples);
        var unpriced = RunSummary.Build("r", Options(dataset), samples);

        Assert.Equal(2.0, priced.Results[0].Cost!.Value, 12);
        Assert.Contains("| 2000000 | 500000 | 0 | 0.0 | 2.0000 |", SummaryWriter.Markdown(priced), StringComparison.Ordinal);
        Assert.Null(unpriced.Results[0].Cost);
        Assert.DoesNotContain("Cost (USD)", SummaryWriter.Markdown(unpriced), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0, "0 tokens")]
    [InlineData(300, 45, "345 tokens")]
    public void HtmlReport_TokensAxis_LabelledWithWhatTheMostExpensiveMethodSpent(int tokensIn, int tokensOut, string label)
    {
        var dataset = new FakeDataset([Problem("p1", 0)]);
        var samples = new[] { Sample("p1", null) with { TokensIn = tokensIn, TokensOut = tokensOut } };

        var html = HtmlReport.Render(RunSummary.Build("r", Options(dataset), samples), [.. samples]);

        Assert.Contains($">{label}</text>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void HtmlReport_SamplesInTheRunsMethodOrderAndProblemsInNumericOrder()
    {
        var dataset = new FakeDataset([Problem("p/2", 0), Problem("p/10", 0), Problem("p/1", 0)]);
        var options = Options(dataset) with { Methods = ["vanilla", "evor"] };
        var samples = new[] { "p/10", "p/2", "p/1" }.SelectMany(id => new[] { Sample(id, null), Sample(id, null) with { Method = "evor" } });

        var html = HtmlReport.Render(RunSummary.Build("r", options, samples), [.. samples]);

        var listed = System.Text.RegularExpressions.Regex.Matches(html, "<summary>fake / (\\w+) / (p/\\d+)").Select(m => $"{m.Groups[1]} {m.Groups[2]}");
        Assert.Equal(["vanilla p/1", "vanilla p/2", "vanilla p/10", "evor p/1", "evor p/2", "evor p/10"], listed);
    }

    [Theory]
    [InlineData("HumanEval/2", "HumanEval/10")]
    [InlineData("q9", "q10")]
    [InlineData("q09", "q10")]
    [InlineData("a", "b")]
    [InlineData("p1", "p1a")]
    [InlineData("p/2/x", "p/10/a")]
    public void ProblemIdOrder_DigitRunsByValue(string before, string after)
    {
        Assert.True(ProblemIdOrder.Instance.Compare(before, after) < 0);
        Assert.True(ProblemIdOrder.Instance.Compare(after, before) > 0);
        Assert.Equal(0, ProblemIdOrder.Instance.Compare(before, before));
    }

    private static BenchRunOptions Options(IBenchDataset dataset) => new() { Datasets = [dataset], Methods = ["vanilla"], OutputDirectory = "unused" };

    private static BenchProblem Problem(string id, int goldLines) => new()
    {
        Id = id,
        Prompt = "q",
        Language = "python",
        Tests = new ScriptTests { Code = "assert True" },
        GoldDocs = [.. Enumerable.Range(0, goldLines).Select(i => $"line {i}")],
    };

    private static SampleRecord Sample(string problemId, double? recall) => new()
    {
        Dataset = "fake", Method = "vanilla", ProblemId = problemId, ProblemHash = "h", GoldDocRecall = recall,
    };

    private sealed class FakeDataset(IReadOnlyList<BenchProblem> problems) : IBenchDataset
    {
        public string Name => "fake";
        public string Source => "test";
        public bool Scripted => false;
        public IReadOnlyList<BenchProblem> Problems => problems;
        public IReadOnlyList<KnowledgeDocument> Documents => [];
    }
}
