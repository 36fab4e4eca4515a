using System.Text.Json;
using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Execution;

/// <summary>
/// Files, arguments and the working folder, end to end through a backend: the files are in <c>/work</c> (the program's
/// current directory), the program may write there and its script tests read what it wrote, each io case starts from
/// the files afresh, and nothing outside the scratch mounts is writable.
/// </summary>
/// <remarks>Run once per backend: <see cref="FilesAndArgumentsTests"/> (process) and
/// <c>Docker.DockerFilesAndArgumentsTests</c>.</remarks>
public abstract class FilesAndArgumentsSuite(SandboxFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<ExecutionResult> RunAsync(ExecutionRequest request)
    {
        fixture.SkipIfUnavailable();
        return await fixture.Executor.ExecuteAsync(request, Ct);
    }

    [Fact]
    public async Task Files_TextAndBase64InFolders_ReadableFromTheWorkingFolder()
    {
        var result = await RunAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import os, pickle\nprint(os.getcwd(), open('notes.txt').read(), pickle.load(open('input/input1.pkl', 'rb')))\n",
            Files =
            [
                new() { Name = "notes.txt", Content = "hello" },
                new() { Name = "input/input1.pkl", Content = "gASVBwAAAAAAAABLAUsChpQu", Encoding = ExecutionFile.Base64 },
            ],
        });

        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
        Assert.Equal("/work hello (1, 2)\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Arguments_ReachTheProgram_WithAndWithoutFiles()
    {
        string[] arguments = ["--test_case", "3", "two words", "ünï"];
        foreach (var files in new ExecutionFile[][] { [], [new() { Name = "f", Content = "" }] })
        {
            var result = await RunAsync(new ExecutionRequest
            {
                Language = "python",
                Code = "import json, sys\nprint(json.dumps(sys.argv[1:]))\n",
                Arguments = arguments,
                Files = files,
            });

            Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
            Assert.Equal(arguments, JsonSerializer.Deserialize<string[]>(result.Stdout));
        }
    }

    [Fact]
    public async Task Arguments_CompiledProgram_ReceivesThem()
    {
        fixture.SkipIfKnownGap("compile");
        var result = await RunAsync(new ExecutionRequest
        {
            Language = "c",
            Code = "#include <stdio.h>\nint main(int argc, char **argv) { for (int i = 1; i < argc; i++) puts(argv[i]); return 0; }\n",
            Arguments = ["a", "b c"],
            Files = [new() { Name = "data/x.txt", Content = "x" }],
        });

        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
        Assert.Equal("a\nb c\n", result.Stdout);
    }

    [Fact]
    public async Task ScriptTests_ReadWhatTheProgramWrote()
    {
        var result = await RunAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import json\nanswer = json.load(open('input.json'))['n'] * 2\nopen('result/case1.txt', 'w').write(str(answer))\n",
            Files = [new() { Name = "input.json", Content = "{\"n\": 21}" }, new() { Name = "result/.keep", Content = "" }],
            Tests = new ScriptTests { Code = "assert open('/work/result/case1.txt').read() == '42'" },
        });

        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
    }

    [Fact]
    public async Task IoCases_EachStartsFromTheFilesAfresh()
    {
        var result = await RunAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import os\nprint(os.path.exists('seen'), open('base.txt').read())\nopen('seen', 'w').write('1')\nopen('base.txt', 'w').write('changed')\n",
            Files = [new() { Name = "base.txt", Content = "original" }],
            Tests = new IoTests { Cases = [new() { ExpectedStdout = "False original" }, new() { ExpectedStdout = "False original" }] },
        });

        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {string.Join(" | ", result.Cases.Select(c => c.Stdout))}");
    }

    [Fact]
    public async Task Program_CannotWriteOutsideItsScratch()
    {
        var result = await RunAsync(new ExecutionRequest
        {
            Language = "python",
            Code = """
                import os
                for path in ["/app/planted", "/app/input.txt", "/planted", "/etc/planted", "/usr/planted", "/work/../planted", "/proc/sys/kernel/hostname"]:
                    try:
                        open(path, "w").write("x")
                        print("WROTE", path)
                    except OSError as e:
                        print("refused", path)
                open("/work/own.txt", "w").write("ok")
                print(open("own.txt").read())
                """,
            Files = [new() { Name = "input.txt", Content = "in" }],
        });

        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
        Assert.DoesNotContain("WROTE", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("ok\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_ContentLookingLikeAnArchiveWithALink_StaysARegularFile()
    {
        // A tar holding a symlink to /etc/passwd, sent as a file: it is the file's bytes, never unpacked.
        using var buffer = new MemoryStream();
        using (var tar = new System.Formats.Tar.TarWriter(buffer, leaveOpen: true))
        {
            tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.SymbolicLink, "link") { LinkName = "/etc/passwd" });
        }

        var result = await RunAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import os\nprint(os.path.islink('evor-work.tar'), os.path.islink('link'), os.path.exists('link'), os.path.isfile('evil.tar'))\n",
            Files = [new() { Name = "evil.tar", Content = Convert.ToBase64String(buffer.ToArray()), Encoding = ExecutionFile.Base64 }],
        });

        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
        Assert.Equal("False False False True\n", result.Stdout);
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("/etc/cron.d/evil")]
    [InlineData("a/../../escape.txt")]
    public async Task Files_NameOutsideTheWorkingFolder_RefusedBeforeAnythingRuns(string name)
    {
        fixture.SkipIfUnavailable();
        var error = await Assert.ThrowsAsync<ExecutionRequestException>(() => fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "print('ran')",
            Files = [new() { Name = name, Content = "x" }],
        }, Ct));

        Assert.Equal("files[0].name", error.Field);
    }

    [Fact]
    public async Task Files_WithOneProcessAllowed_StillUnpackAndRun()
    {
        var result = await RunAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "print(open('x').read())",
            Files = [new() { Name = "x", Content = "one" }],
            Limits = new ExecutionLimitsOverride { MaxProcesses = 1 },
        });

        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
        Assert.Equal(1, result.Limits.MaxProcesses);
    }
}

[Collection(SandboxCollection.Name)]
public sealed class FilesAndArgumentsTests(SandboxFixture fixture) : FilesAndArgumentsSuite(fixture);
