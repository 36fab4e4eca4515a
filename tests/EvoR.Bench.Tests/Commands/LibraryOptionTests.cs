using EvoR.Bench.Commands;
using EvoR.Bench.Datasets.EvorBench;
using EvoR.Bench.Tests.Datasets.EvorBench;
using EvoR.Bench.Tests.Runs;
using EvoR.Sandbox;
using EvoR.Sandbox.Backends;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Bench.Tests.Commands;

/// <summary><c>run --library DIR</c> and a dataset's own libraries: every program the run's sandbox executes imports
/// them (the methods' draft runs as well as the scoring), read-only.</summary>
public sealed class LibraryOptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void ImportRoots_LibraryAndTheTracksOwn_ParentOfThePackageEachOnce()
    {
        using var dir = new TempDirectory();
        var tessera = EvorBenchDataset.Load(Path.Combine(EvorBenchFixtures.RepositoryRoot(), "bench", "EvoR-Bench", "tracks", "tessera"));

        var roots = RunCommand.ImportRoots([dir.Path, dir.Path], tessera);

        Assert.Equal([Path.GetFullPath(dir.Path), Path.Combine(EvorBenchFixtures.RepositoryRoot(), "bench", "EvoR-Bench", "tracks", "tessera", "lib")], roots);
        Assert.Throws<ArgumentException>(() => RunCommand.ImportRoots([Path.Combine(dir.Path, "missing")], []));
    }

    [Theory]
    [InlineData("process")]
    [InlineData("docker")]
    public async Task LibraryOverrides_ProgramInTheSandbox_ImportsTheLibraryButCannotWriteIt(string backend)
    {
        if (backend == "process")
            await BenchRunHarness.SkipIfNoSandboxAsync();
        // Under /tmp, which the sandbox mounts its own scratch over: the library is bound at /libraries/ all the same.
        using var dir = new TempDirectory();
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(dir.Path, "newScience"));
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "newScience", "__init__.py"), "def optimize():\n    return 'maximised'\n", Ct);
        var configuration = BenchHost.BuildConfiguration(
            [.. RunCommand.LibraryOverrides([dir.Path]), "--Sandbox:Process:WarmSandboxes=0", $"--Sandbox:Backend={backend}"]);
        await using var host = await BenchHost.StartAsync(configuration, Ct);
        if (backend == "docker" && await DockerSandboxProbe.UnavailableReasonAsync(host.Services.GetRequiredService<ISandboxBackend>(), Ct) is { } reason)
            Assert.Skip(reason);
        var executor = host.Services.GetRequiredService<ICodeExecutor>();

        var imported = await executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import newScience\nprint(newScience.optimize())\n",
        }, Ct);
        var written = await executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "open('/libraries/lib0/newScience/planted.py', 'w').write('x')\n",
        }, Ct);

        Assert.True(imported.Verdict == Verdict.Passed, imported.Stderr + imported.Message);
        Assert.Equal("maximised", imported.Stdout.Trim());
        Assert.Equal(backend, imported.Backend);
        Assert.Equal(Verdict.RuntimeError, written.Verdict);
        Assert.False(File.Exists(Path.Combine(dir.Path, "newScience", "planted.py")));
    }
}
