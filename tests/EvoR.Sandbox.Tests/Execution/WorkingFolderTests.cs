using System.Formats.Tar;
using EvoR.Sandbox.Execution;

namespace EvoR.Sandbox.Tests.Execution;

/// <summary>A request's files: which names are refused (no sandbox needed), the caps, and the archive's shape.</summary>
public sealed class WorkingFolderTests
{
    private static readonly SandboxOptions Options = new() { MaxFiles = 3, MaxFileBytes = 100, MaxTotalFileBytes = 150 };
    private static readonly ExecutionLimits Limits = new();

    [Theory]
    [InlineData("data.txt")]
    [InlineData("input/input1.pkl")]
    [InlineData("a b/ünï.py")]
    [InlineData(".hidden")]
    public void NameProblem_PlainRelativePath_Accepted(string name) => Assert.Null(WorkingFolder.NameProblem(name));

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a\\..\\b")]
    [InlineData("new\nline")]
    [InlineData("nul\0")]
    public void NameProblem_EscapesOrOddNames_Refused(string name) => Assert.NotNull(WorkingFolder.NameProblem(name));

    [Theory]
    [InlineData("../x", "files[1].name")]
    [InlineData("/abs", "files[1].name")]
    public void Validate_BadName_FieldNamesTheFile(string name, string field)
    {
        var error = Assert.Throws<ExecutionRequestException>(() => WorkingFolder.Validate(
            [new() { Name = "ok", Content = "1" }, new() { Name = name, Content = "2" }], Options, Limits));

        Assert.Equal((RequestErrorKind.InvalidRequest, field), (error.Kind, error.Field));
    }

    public static TheoryData<ExecutionFile[], RequestErrorKind, string> Refusals => new()
    {
        { [new() { Name = "a" }, new() { Name = "b" }, new() { Name = "c" }, new() { Name = "d" }], RequestErrorKind.PayloadTooLarge, "files" },
        { [new() { Name = "a", Content = new string('x', 101) }], RequestErrorKind.PayloadTooLarge, "files[0].content" },
        { [new() { Name = "a", Content = new string('x', 80) }, new() { Name = "b", Content = new string('x', 80) }], RequestErrorKind.PayloadTooLarge, "files" },
        { [new() { Name = "a", Content = "not base64!", Encoding = "base64" }], RequestErrorKind.InvalidRequest, "files[0].content" },
        { [new() { Name = "a", Encoding = "gzip" }], RequestErrorKind.InvalidRequest, "files[0].encoding" },
        { [new() { Name = "a" }, new() { Name = "a" }], RequestErrorKind.InvalidRequest, "files[1].name" },
        { [new() { Name = "a" }, new() { Name = "a/b" }], RequestErrorKind.InvalidRequest, "files[1].name" },
        { [new() { Name = "a/b" }, new() { Name = "a" }], RequestErrorKind.InvalidRequest, "files[1].name" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Validate_OverACapOrMalformed_Refused(ExecutionFile[] files, RequestErrorKind kind, string field)
    {
        var error = Assert.Throws<ExecutionRequestException>(() => WorkingFolder.Validate(files, Options, Limits));

        Assert.Equal((kind, field), (error.Kind, error.Field));
    }

    [Fact]
    public void Validate_FilesOverHalfTheWorkingFolder_Refused()
    {
        var options = new SandboxOptions();
        var error = Assert.Throws<ExecutionRequestException>(() => WorkingFolder.Validate(
            [new() { Name = "big", Content = Convert.ToBase64String(new byte[600 * 1024]), Encoding = "base64" }],
            options, new ExecutionLimits { ScratchMb = 1 }));

        Assert.Contains("limits.scratchMb", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(65, "arguments")]
    [InlineData(1, null)]
    public void ValidateArguments_Count_CappedByMaxArguments(int count, string? field)
    {
        var arguments = Enumerable.Repeat("x", count).ToList();

        var error = Record.Exception(() => WorkingFolder.ValidateArguments(arguments, new SandboxOptions()));

        Assert.Equal(field, (error as ExecutionRequestException)?.Field);
    }

    [Fact]
    public void ValidateArguments_Nul_RefusedNamingIt() =>
        Assert.Equal("arguments[1]", Assert.Throws<ExecutionRequestException>(
            () => WorkingFolder.ValidateArguments(["ok", "a\0b"], new SandboxOptions())).Field);

    [Fact]
    public void Archive_OnlyFoldersAndRegularFiles_InTheirOrder()
    {
        var archive = WorkingFolder.Archive([("input/a/1.pkl", [1, 2]), ("test_code.py", "x"u8.ToArray())]);
        using var reader = new TarReader(new MemoryStream(archive.Content));
        var entries = new List<(TarEntryType, string, int)>();
        while (reader.GetNextEntry() is { } entry)
        {
            entries.Add((entry.EntryType, entry.Name, (int)entry.Length));
        }

        Assert.Equal(WorkingFolder.ArchiveName, archive.Name);
        Assert.False(archive.Executable);
        Assert.Equal(
            [(TarEntryType.Directory, "input/", 0), (TarEntryType.Directory, "input/a/", 0),
             (TarEntryType.RegularFile, "input/a/1.pkl", 2), (TarEntryType.RegularFile, "test_code.py", 1)],
            entries);
    }
}
