using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>
/// The gate's end frame on a real engine: ordinary runs end on it, and a program that forges it (it can read the run's
/// nonce off its parent gate's command line: same uid) gains nothing it could not get by exiting (see GateEndFrame's remarks).
/// </summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerGateEndTests(DockerSandboxFixture fixture)
{
    /// <summary>Python that reads the nonce off the parent gate's command line (exit 3 when it cannot: the premise failed)
    /// and writes a frame of its choosing to stdout and stderr.</summary>
    private const string Forger = """
        import os, re, sys
        def nonce():
            with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            if len(args) < 5 or args[3] != b"evor-gate" or not re.fullmatch(rb"[0-9a-f]{32}", args[4]):
                sys.exit(3)
            return args[4].decode()
        NONCE = nonce()
        def forge(status, oom=0):
            frame = f"evor-gate-end:{NONCE}:{status:03d}:{oom}\n".encode()
            os.write(1, frame)
            os.write(2, frame)

        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OrdinaryRun_OutputWithoutNewlineAndExitStatus_AsThePlainProgramGaveThem()
    {
        fixture.SkipIfUnavailable();
        const string code = "import sys\nsys.stdout.write('out, no newline')\nsys.stderr.write('err')\nprint('evor-gate-end:not-this-run:000:0')\nsys.exit(3)\n";
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code }, Ct);

        Assert.Equal(Verdict.RuntimeError, result.Verdict);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out, no newlineevor-gate-end:not-this-run:000:0\n", result.Stdout);
        Assert.Equal("err", result.Stderr);
    }

    [Fact]
    public async Task ForgedFrame_AfterOutputOverTheCap_StillOutputLimitExceeded()
    {
        fixture.SkipIfUnavailable();
        var code = Forger + "import time\nsys.stdout.write('x' * (2 << 20))\nsys.stdout.flush()\nforge(0)\ntime.sleep(30)\n";
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code }, Ct);

        Assert.Equal(Verdict.OutputLimitExceeded, result.Verdict);
        Assert.True(result.Truncated);
    }

    [Theory]
    [InlineData(137, 0, Verdict.RuntimeError)]
    [InlineData(0, 2, Verdict.RuntimeError)]
    // A counted OOM kill is taken as one even when the engine's flag missed it: forging it gains the program only the
    // memory verdict that allocating until the limit would have given it.
    [InlineData(0, 1, Verdict.MemoryLimitExceeded)]
    public async Task ForgedFrame_SignalOrOomKill_TheEngineDecidesTheExitStatus(int forgedStatus, int forgedOom, Verdict verdict)
    {
        fixture.SkipIfUnavailable();
        // A frame the service does not settle on: the exit status comes from the engine, i.e. the program's real one.
        var code = Forger + $"forge({forgedStatus}, {forgedOom})\nsys.exit(5)\n";
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code }, Ct);

        Assert.Equal(verdict, result.Verdict);
        Assert.Equal(5, result.ExitCode);
    }

    [Fact]
    public async Task ForgedFrame_ThenRunsOn_EndsTheRunAsAnExitWould_NothingSurvives()
    {
        fixture.SkipIfUnavailable();
        var marker = HostProcesses.NewMarker();
        var code = HostProcesses.PythonRename(marker) + "\n" + Forger + "print('before', flush=True)\nforge(0)\nprint('after', flush=True)\nwhile True:\n    pass\n";
        var result = await fixture.Executor.ExecuteAsync(
            new ExecutionRequest { Language = "python", Code = code, Limits = new() { TimeoutMs = 20_000, CpuTimeMs = 20_000 } }, Ct);

        // Exactly what `print('before'); sys.exit(0)` gets: the run ends at the frame, nothing after it is kept.
        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("before\n", result.Stdout);
        Assert.True(result.DurationMs < 20_000, $"{result.DurationMs} ms");
        await fixture.DockerBackend.WaitForCleanupAsync();
        Assert.Empty(HostProcesses.WithMarker(marker));
    }

    [Fact]
    public async Task ChildOomKilled_ProgramExitsZero_StillMemoryLimitExceeded()
    {
        fixture.SkipIfUnavailable();
        // The gate reports the cgroup's OOM kill, so the engine (OOMKilled) decides, as it did before there was a frame.
        const string code = """
            import subprocess, sys
            r = subprocess.run([sys.executable, "-c", "x = []\nwhile True:\n    x.append(b'x' * (1 << 20))\n"])
            print("child", r.returncode)
            """;
        var result = await fixture.Executor.ExecuteAsync(
            new ExecutionRequest { Language = "python", Code = code, Limits = new() { MemoryMb = 96, TimeoutMs = 10_000 } }, Ct);

        Assert.Equal(Verdict.MemoryLimitExceeded, result.Verdict);
        Assert.Contains("child -9", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrphanStillWriting_KilledWhenTheProgramExits_ItsEarlierOutputKept()
    {
        fixture.SkipIfUnavailable();
        var marker = HostProcesses.NewMarker();
        var code = $$"""
            import os, sys, time
            if os.fork() == 0:
                os.execv("/bin/sh", ["{{marker}}", "-c", "echo child; while :; do sleep 0.01; done"])
            time.sleep(0.5)
            print("parent done")
            """;
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code }, Ct);

        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.Equal("child\nparent done\n", result.Stdout);
        // The gate killed it before writing its frame: gone already, not only once the container is removed.
        Assert.Empty(HostProcesses.WithMarker(marker));
    }
}
