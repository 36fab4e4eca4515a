using System.IO.Compression;
using System.Text;
using EvoR.Bench.Datasets;

namespace EvoR.Bench.Tests.Datasets;

public sealed class HumanEvalLoaderTests : IDisposable
{
    private const string Line0 =
        """{"task_id": "HumanEval/0", "prompt": "def add(a, b):\n    \"\"\"Add.\"\"\"\n", "canonical_solution": "    return a + b\n", "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n", "entry_point": "add"}""";

    private const string Line1 =
        """{"task_id": "HumanEval/1", "prompt": "def neg(x):\n", "canonical_solution": "    return -x\n", "test": "def check(candidate):\n    assert candidate(1) == -1\n", "entry_point": "neg"}""";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("evor-bench-tests-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task LoadAsync_GzipFile_ReadsEveryProblemInFileOrder()
    {
        var path = WriteGzip("HumanEval.jsonl.gz", Line0 + "\n" + Line1 + "\n");

        var problems = await HumanEvalLoader.LoadAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(["HumanEval/0", "HumanEval/1"], problems.Select(p => p.TaskId));
        var first = problems[0];
        Assert.Equal("def add(a, b):\n    \"\"\"Add.\"\"\"\n", first.Prompt);
        Assert.Equal("    return a + b\n", first.CanonicalSolution);
        Assert.Equal("def check(candidate):\n    assert candidate(1, 2) == 3\n", first.Test);
        Assert.Equal("add", first.EntryPoint);
    }

    [Fact]
    public async Task LoadAsync_BlankLinesAndNoFinalNewline_SkipsBlanks()
    {
        var path = WriteGzip("h.jsonl.gz", "\n" + Line0 + "\n\n   \n" + Line1);

        var problems = await HumanEvalLoader.LoadAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public async Task LoadAsync_PlainJsonl_ReadsWithoutDecompressing()
    {
        var path = Path.Combine(_dir.FullName, "h.jsonl");
        await File.WriteAllTextAsync(path, Line1 + "\n", TestContext.Current.CancellationToken);

        var problems = await HumanEvalLoader.LoadAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal("neg", Assert.Single(problems).EntryPoint);
    }

    [Theory]
    [InlineData("""{"task_id": "HumanEval/9", "prompt": "", "canonical_solution": "", "test": ""}""")]
    [InlineData("""{"task_id": "HumanEval/9", "prompt": null, "canonical_solution": "", "test": "", "entry_point": "f"}""")]
    [InlineData("""{"task_id": "HumanEval/9", "prompt": "",""")]
    [InlineData("null")]
    public async Task LoadAsync_InvalidLine_ThrowsInvalidDataNamingTheLine(string badLine)
    {
        var path = WriteGzip("bad.jsonl.gz", Line0 + "\n" + badLine + "\n");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => HumanEvalLoader.LoadAsync(path, TestContext.Current.CancellationToken));

        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_RepeatedTaskId_ThrowsInvalidData()
    {
        var path = WriteGzip("dup.jsonl.gz", Line0 + "\n" + Line0 + "\n");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => HumanEvalLoader.LoadAsync(path, TestContext.Current.CancellationToken));

        Assert.Contains("HumanEval/0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_MissingFile_ThrowsFileNotFound()
    {
        var path = Path.Combine(_dir.FullName, "absent.jsonl.gz");

        await Assert.ThrowsAsync<FileNotFoundException>(() => HumanEvalLoader.LoadAsync(path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void FindDefaultPath_FromNestedDirectory_PointsToSharedBesideTheSolutionFolder()
    {
        var root = Directory.CreateDirectory(Path.Combine(_dir.FullName, "repo"));
        File.WriteAllText(Path.Combine(root.FullName, "EvoR.sln"), "");
        var nested = Directory.CreateDirectory(Path.Combine(root.FullName, "bench", "EvoR-Bench", "bin"));

        var path = HumanEvalLoader.FindDefaultPath(nested.FullName);

        Assert.Equal(Path.Combine(_dir.FullName, "shared", "data", "humaneval", "HumanEval.jsonl.gz"), path);
    }

    [Fact]
    public void FindDefaultPath_NoSolutionAbove_ReturnsNull()
    {
        var nested = Directory.CreateDirectory(Path.Combine(_dir.FullName, "a", "b"));

        Assert.Null(HumanEvalLoader.FindDefaultPath(nested.FullName));
    }

    [Fact]
    public void ResolvePath_ExplicitPath_WinsOverTheDefault()
    {
        var root = Directory.CreateDirectory(Path.Combine(_dir.FullName, "repo"));
        File.WriteAllText(Path.Combine(root.FullName, "EvoR.sln"), "");
        var explicitPath = Path.Combine(_dir.FullName, "mine.jsonl.gz");

        Assert.Equal(explicitPath, HumanEvalLoader.ResolvePath(explicitPath, root.FullName));
    }

    private string WriteGzip(string name, string content)
    {
        var path = Path.Combine(_dir.FullName, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(content));
        return path;
    }
}
