using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Languages;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Tests.Process;

/// <summary>
/// ../shared/docs/SANDBOX-THREATS.md, case by case, with production limits: the verdict, the wall time bounded by the
/// limit plus a grace, bounded output, and host invariants afterwards (no survivor, host files untouched, a benign
/// job right after still passing).
/// </summary>
/// <remarks>Each backend runs this suite through a derived class in its collection: <see cref="HostileProgramTests"/>
/// (process) and <c>Docker.DockerHostileProgramTests</c>.</remarks>
public abstract class HostileProgramSuite(SandboxFixture fixture)
{
    // Start-up plus the kill and reaping, on a loaded 2-core CI machine: per backend (the engine's kill takes longer).
    private TimeSpan Grace => fixture.Grace;

    /// <summary>The backend's fixture, for checks of one backend in a derived class.</summary>
    protected SandboxFixture Fixture => fixture;
    private static readonly ExecutionLimitsOverride Short = new() { TimeoutMs = 2000, CpuTimeMs = 2000 };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ForkBomb_StoppedByProcessLimit_NoSurvivors()
    {
        var marker = HostProcesses.NewMarker();
        var result = await RunHostileAsync(HostProcesses.PythonRename(marker) + """

            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
            """, marker);
        Assert.Contains(result.Verdict, new[] { Verdict.TimeLimitExceeded, Verdict.RuntimeError });
    }

    [Fact]
    public async Task MemoryHog_IsMemoryLimitExceeded()
    {
        var result = await RunHostileAsync("""
            chunks = []
            while True:
                chunks.append(b"x" * (1 << 20))
            """, limits: new() { TimeoutMs = 10_000, MemoryMb = 128 });
        Assert.True(result.Verdict == Verdict.MemoryLimitExceeded,
            $"{result.Verdict} (exit {result.ExitCode}): {result.Message} {result.Stderr}");
    }

    [Fact]
    public async Task CpuSpin_IsTimeLimitExceeded()
    {
        var result = await RunHostileAsync("while True:\n    pass\n");
        Assert.Equal(Verdict.TimeLimitExceeded, result.Verdict);
    }

    [Fact]
    public async Task SleepForever_IsTimeLimitExceededByWallClock()
    {
        // A CPU limit far above the wall limit: only the wall timer can end it.
        var result = await RunHostileAsync("import time\ntime.sleep(10**6)\n", limits: new() { TimeoutMs = 1500, CpuTimeMs = 60_000 });
        Assert.Equal(Verdict.TimeLimitExceeded, result.Verdict);
        Assert.Contains("Wall-clock", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopsItselfWithSigstop_WallTimerStillEndsIt()
    {
        var marker = HostProcesses.NewMarker();
        var result = await RunHostileAsync(HostProcesses.PythonRename(marker) + """

            import os, signal
            os.kill(os.getpid(), signal.SIGSTOP)
            """, marker);
        Assert.Equal(Verdict.TimeLimitExceeded, result.Verdict);
    }

    [Fact]
    public async Task ParentExitsChildSleeps_ChildKilledWithJob()
    {
        var marker = HostProcesses.NewMarker();
        var result = await RunHostileAsync($$"""
            import os
            if os.fork() == 0:
                os.execv("/bin/sh", ["{{marker}}", "-c", "sleep 1000"])
            print("parent done")
            """, marker);
        // Under gVisor the exit status sometimes reads as SIGKILL (the orphan's death): a known gap, the kill is not.
        Assert.Contains(result.Verdict, fixture.KnownGap("orphan-exit") is null ? [Verdict.Passed] : new[] { Verdict.Passed, Verdict.RuntimeError });
        Assert.Contains("parent done", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Daemonizes_KilledWithJob()
    {
        var marker = HostProcesses.NewMarker();
        var result = await RunHostileAsync($$"""
            import os, sys
            if os.fork() > 0:
                sys.exit(0)
            os.setsid()
            if os.fork() > 0:
                os._exit(0)
            for fd in range(0, 3):
                os.close(fd)
            os.execv("/bin/sh", ["{{marker}}", "-c", "while :; do sleep 1; done"])
            """, marker);
        Assert.NotEqual(Verdict.SandboxError, result.Verdict);
    }

    [Fact]
    public async Task OutputFlood_CappedAndOutputLimitExceeded()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var result = await RunHostileAsync("""
            import sys
            while True:
                sys.stdout.write("x" * 65536)
            """);
        Assert.Equal(Verdict.OutputLimitExceeded, result.Verdict);
        Assert.True(result.Truncated);
        Assert.True(result.Stdout.Length <= result.Limits.OutputBytes, $"kept {result.Stdout.Length} bytes");
        var growth = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(growth < 16 * 1024 * 1024, $"service managed heap grew by {growth} bytes");
    }

    [Fact]
    public async Task ClosesStdoutThenSpins_StillTleAndKeepsEarlierOutput()
    {
        var result = await RunHostileAsync("""
            import os
            print("said before closing", flush=True)
            os.close(1)
            os.close(2)
            while True:
                pass
            """);
        Assert.Equal(Verdict.TimeLimitExceeded, result.Verdict);
        Assert.Contains("said before closing", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlocksOnStdin_SeesEofAtOnce()
    {
        var result = await RunHostileAsync("import sys\ndata = sys.stdin.read()\nprint(len(data))\n");
        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.Equal("0", result.Stdout.Trim());
    }

    [Fact]
    public async Task FillsTheDisk_StoppedInsideTheSandbox()
    {
        var result = await RunHostileAsync("""
            import errno
            written = 0
            try:
                for i in range(10_000):
                    with open(f"/work/fill{i}", "wb") as f:
                        for _ in range(64):
                            f.write(b"\0" * (1 << 20))
                            written += 1
            except OSError as e:
                print("stopped", errno.errorcode[e.errno], written)
            """, limits: new() { TimeoutMs = 10_000, MemoryMb = 512 });
        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.Matches("^stopped (EFBIG|ENOSPC) ", result.Stdout);
        var writtenMb = int.Parse(result.Stdout.Trim().Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(writtenMb <= result.Limits.ScratchMb, $"wrote {writtenMb} MiB into a {result.Limits.ScratchMb} MiB scratch space");
    }

    [Fact]
    public async Task ExhaustsFileDescriptorsAndInodes_FailsInsideOnly()
    {
        var result = await RunHostileAsync("""
            import errno, os
            fds = []
            try:
                while True:
                    fds.append(os.open("/dev/null", os.O_RDONLY))
            except OSError as e:
                print("fds", errno.errorcode[e.errno], len(fds))
            for fd in fds:
                os.close(fd)
            made = 0
            try:
                while made < 200_000:
                    open(f"/tmp/i{made}", "w").close()
                    made += 1
                print("inodes", made)
            except OSError as e:
                print("inodes", errno.errorcode[e.errno], made)
            """, limits: new() { TimeoutMs = 20_000, CpuTimeMs = 20_000 });
        Assert.NotEqual(Verdict.SandboxError, result.Verdict);
        Assert.Contains("fds EMFILE", result.Stdout, StringComparison.Ordinal);
        var fds = int.Parse(result.Stdout.Split('\n')[0].Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(fds < result.Limits.OpenFiles, $"opened {fds} descriptors under a limit of {result.Limits.OpenFiles}");
    }

    [Fact]
    public async Task WritesSharedTempDirs_LaterJobSeesNothing()
    {
        var marker = HostProcesses.NewMarker();
        var first = await RunHostileAsync($$"""
            for d in ("/tmp", "/dev/shm", "/var/tmp", "/work"):
                open(f"{d}/{{marker}}", "w").write("left behind")
            print("written")
            """);
        Assert.Equal(Verdict.Passed, first.Verdict);
        Assert.Contains("written", first.Stdout, StringComparison.Ordinal);

        var second = await RunHostileAsync($$"""
            import os
            print(sum(os.path.exists(f"{d}/{{marker}}") for d in ("/tmp", "/dev/shm", "/var/tmp", "/work")))
            """);
        Assert.Equal("0", second.Stdout.Trim());
        foreach (var dir in new[] { "/tmp", "/dev/shm", "/var/tmp" })
        {
            Assert.False(File.Exists(Path.Combine(dir, marker)), $"{dir}/{marker} reached the host");
        }
    }

    [Fact]
    public async Task WritesOutsideWorkDir_Refused()
    {
        var marker = HostProcesses.NewMarker();
        var result = await RunHostileAsync($$"""
            import site, sysconfig
            targets = ["/etc/{{marker}}", "/usr/{{marker}}", "/usr/bin/{{marker}}", "/{{marker}}",
                       sysconfig.get_paths()["purelib"] + "/{{marker}}.py", "/app/{{marker}}"]
            for t in targets:
                try:
                    open(t, "w").write("x")
                    print("WROTE", t)
                except OSError as e:
                    print("refused", t, e.strerror)
            """);
        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.DoesNotContain("WROTE", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(6, result.Stdout.Split('\n').Count(l => l.StartsWith("refused", StringComparison.Ordinal)));
        Assert.False(File.Exists($"/etc/{marker}"));
        Assert.False(File.Exists($"/usr/{marker}"));
    }

    [Fact]
    public async Task Network_AllFailFast()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var result = await RunHostileAsync($$"""
            import socket, urllib.request
            def attempt(name, fn):
                try:
                    fn()
                    print("REACHED", name)
                except Exception as e:
                    print("failed", name, type(e).__name__)
            attempt("service-port", lambda: socket.create_connection(("127.0.0.1", {{port}}), timeout=1))
            attempt("metadata", lambda: socket.create_connection(("169.254.169.254", 80), timeout=1))
            attempt("dns", lambda: socket.getaddrinfo("example.com", 80))
            attempt("http", lambda: urllib.request.urlopen("http://example.com", timeout=1))
            attempt("public-ip", lambda: socket.create_connection(("1.1.1.1", 53), timeout=1))
            """, limits: new() { TimeoutMs = 10_000 });
        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.DoesNotContain("REACHED", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(5, result.Stdout.Split('\n').Count(l => l.StartsWith("failed", StringComparison.Ordinal)));
        // "Fast": no attempt waited for its 1 s timeout, so the whole run stays well under the five timeouts.
        Assert.True(result.DurationMs < 4000, $"network attempts took {result.DurationMs} ms");
        Assert.False(listener.Pending(), "the sandbox reached a service port on the host's loopback");
    }

    [Fact]
    public async Task ReadsSecrets_NothingOfHostOrServiceVisible()
    {
        var secret = "evor-secret-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable("EVOR_TEST_SECRET", secret);
        var serviceFile = typeof(HostileProgramSuite).Assembly.Location;
        try
        {
            var result = await RunHostileAsync($$"""
                import os
                print("env", sorted(os.environ))
                for path in ("/proc/1/environ", "/proc/self/environ"):
                    print(path, open(path, "rb").read())
                for path in ("/etc/shadow", "/var/run/docker.sock", "/run/docker.sock", "{{serviceFile}}", "/root", "/proc/1/root/etc/shadow"):
                    try:
                        print("READ", path, os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(64))
                    except OSError as e:
                        print("hidden", path, e.strerror)
                """);
            Assert.Equal(Verdict.Passed, result.Verdict);
            Assert.DoesNotContain(secret, result.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("READ", result.Stdout, StringComparison.Ordinal);
            var env = result.Stdout.Split('\n')[0];
            Assert.DoesNotContain("EVOR_TEST_SECRET", env, StringComparison.Ordinal);
            Assert.Contains("'PATH'", env, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EVOR_TEST_SECRET", null);
        }
    }

    [Fact]
    public async Task PrintsItsEnvironment_OnlyTheAllowList()
    {
        fixture.SkipIfUnavailable();
        var options = fixture.Services.GetRequiredService<IOptions<SandboxOptions>>().Value;
        var language = fixture.Services.GetRequiredService<LanguageCatalog>().All.Single(l => l.Name == "python");
        var allowed = options.Environment.Concat(language.Environment).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var result = await RunHostileAsync("""
            import json, os
            print(json.dumps(dict(os.environ)))
            """);
        Assert.Equal(Verdict.Passed, result.Verdict);
        var seen = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(result.Stdout)!;
        if (fixture.Backend == "docker" && seen.GetValueOrDefault("HOSTNAME") == "sandbox")
        {
            // The engine always sets HOSTNAME, to the container's own host name (ContainerSpec: "sandbox"), not the host's.
            seen.Remove("HOSTNAME");
        }

        // Exactly the allow-list, with its values: no PWD, OLDPWD, HOSTNAME, run path or anything else of the host.
        Assert.Equal(allowed.OrderBy(e => e.Key, StringComparer.Ordinal), seen.OrderBy(e => e.Key, StringComparer.Ordinal));
        var hostOnly = Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => !allowed.ContainsKey(k)).ToList();
        Assert.NotEmpty(hostOnly);
        Assert.DoesNotContain(Directory.GetCurrentDirectory(), result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplacesCompiledArtifactWithSymlink_HostNeverFollowsIt()
    {
        fixture.SkipIfUnavailable();
        // Nim runs code at compile time: make the artifact a symlink to a host file holding a secret.
        var secret = "evor-host-secret-" + Guid.NewGuid().ToString("N");
        var hostFile = Path.Combine(Path.GetTempPath(), $"{secret}.txt");
        await File.WriteAllTextAsync(hostFile, secret, Ct);
        try
        {
            var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest
            {
                Language = "nim",
                Code = $$"""
                    static:
                      discard staticExec("mkdir -p /work && ln -sf {{hostFile}} /work/prog")
                    echo "hi"
                    """,
            }, Ct);
            Assert.NotEqual(Verdict.SandboxError, result.Verdict);
            Assert.DoesNotContain(secret, result.Stdout + result.Stderr + result.CompileOutput, StringComparison.Ordinal);
            Assert.Equal(secret, await File.ReadAllTextAsync(hostFile, Ct));
        }
        finally
        {
            File.Delete(hostFile);
        }
    }

    [Fact]
    public async Task KillsEveryone_OnlyItsOwnNamespaceAffected()
    {
        fixture.SkipIfUnavailable();
        var bystander = fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import time\ntime.sleep(1.5)\nprint('still here')\n",
        }, Ct);
        var result = await RunHostileAsync("""
            import os, time
            time.sleep(0.3)
            os.kill(-1, 9)
            time.sleep(5)
            """);
        Assert.NotEqual(Verdict.SandboxError, result.Verdict);
        var other = await bystander;
        Assert.Equal(Verdict.Passed, other.Verdict);
        Assert.Equal("still here", other.Stdout.Trim());
    }

    [Fact]
    public async Task PrivilegeEscalation_AllRefused()
    {
        var result = await RunHostileAsync("""
            import ctypes, errno, os
            libc = ctypes.CDLL(None, use_errno=True)
            def report(name, rc):
                err = ctypes.get_errno()
                print(name, "ALLOWED" if rc == 0 else errno.errorcode.get(err, str(err)))
            report("unshare-user", libc.unshare(0x10000000))
            report("unshare-mount", libc.unshare(0x00020000))
            report("mount", libc.mount(b"none", b"/work", b"tmpfs", 0, None))
            report("ptrace-init", libc.ptrace(16, 1, None, None))
            report("setuid-root", libc.setuid(0))
            try:
                open("/proc/sys/kernel/hostname", "w").write("pwned")
                print("procsys ALLOWED")
            except OSError as e:
                print("procsys", errno.errorcode[e.errno])
            """);
        Assert.Equal(Verdict.Passed, result.Verdict);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToDictionary(l => l.Split(' ')[0], l => l.Split(' ')[1]);
        // Under gVisor, namespaces and mounts are the user-space kernel's own (not the host's): a known gap, said so.
        var namespaceCalls = fixture.KnownGap("namespaces") is null ? new[] { "unshare-user", "unshare-mount", "mount" } : [];
        foreach (var call in namespaceCalls.Append("ptrace-init"))
        {
            Assert.Equal("EPERM", lines[call]);
        }

        Assert.DoesNotContain(lines.Where(l => !l.Key.StartsWith("unshare", StringComparison.Ordinal) && l.Key != "mount" || namespaceCalls.Length > 0),
            l => l.Value == "ALLOWED");

        // uid 0 is not mapped in the sandbox's user namespace, which the kernel reports as EINVAL.
        Assert.Contains(lines["setuid-root"], new[] { "EPERM", "EINVAL" });

        Assert.Contains(lines["procsys"], new[] { "EPERM", "EACCES", "EROFS" });
    }

    [Fact]
    public async Task TwentyHostileJobsInParallel_EachGetsItsOwnVerdict()
    {
        fixture.SkipIfUnavailable();
        fixture.SkipIfKnownGap("oom-flag");
        var cases = new List<(string Code, Verdict Expected, ExecutionLimitsOverride? Limits)>();
        for (var i = 0; i < 4; i++)
        {
            cases.Add(("while True:\n    pass\n", Verdict.TimeLimitExceeded, new() { TimeoutMs = 1000 }));
            cases.Add(("chunks = []\nwhile True:\n    chunks.append(b'x' * (1 << 20))\n", Verdict.MemoryLimitExceeded, new() { MemoryMb = 96, TimeoutMs = 10_000 }));
            cases.Add(("import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n", Verdict.OutputLimitExceeded, null));
            cases.Add(("import time\ntime.sleep(100)\n", Verdict.TimeLimitExceeded, new() { TimeoutMs = 1000 }));
            cases.Add(("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n", Verdict.TimeLimitExceeded, new() { TimeoutMs = 1000 }));
        }

        for (var i = 0; i < 10; i++)
        {
            cases.Add(($"print({i} * 7)\n", Verdict.Passed, null));
        }

        var results = await Task.WhenAll(cases.Select(c => fixture.Executor.ExecuteAsync(
            new ExecutionRequest { Language = "python", Code = c.Code, Limits = c.Limits }, Ct)));
        for (var i = 0; i < cases.Count; i++)
        {
            var expected = cases[i].Expected;
            var actual = results[i].Verdict;
            // A fork bomb may also end as RuntimeError once every fork fails; any other mix-up is a bug.
            Assert.True(actual == expected || (cases[i].Code.Contains("fork", StringComparison.Ordinal) && actual == Verdict.RuntimeError),
                $"case {i}: expected {expected}, got {actual} ({results[i].Message})");
        }

        for (var i = 20; i < cases.Count; i++)
        {
            Assert.Equal(((i - 20) * 7).ToString(System.Globalization.CultureInfo.InvariantCulture), results[i].Stdout.Trim());
        }

        await AssertBenignJobPassesAsync();
    }

    /// <summary>Runs a hostile program with production limits (or the given ones) and checks the invariants every
    /// case shares: a verdict within limit + grace, bounded output, no survivor, and a benign job passing after it.</summary>
    private async Task<ExecutionResult> RunHostileAsync(string code, string? marker = null, ExecutionLimitsOverride? limits = null)
    {
        fixture.SkipIfUnavailable();
        limits ??= Short;
        var watch = Stopwatch.StartNew();
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code, Limits = limits }, Ct);
        watch.Stop();

        Assert.NotEqual(Verdict.SandboxError, result.Verdict);
        Assert.True(watch.Elapsed <= TimeSpan.FromMilliseconds(result.Limits.TimeoutMs) + Grace,
            $"took {watch.ElapsedMilliseconds} ms under a {result.Limits.TimeoutMs} ms limit");
        Assert.True(result.Stdout.Length <= result.Limits.OutputBytes && result.Stderr.Length <= result.Limits.OutputBytes);
        if (marker is not null)
        {
            Assert.Empty(HostProcesses.WithMarker(marker));
        }

        await AssertBenignJobPassesAsync();
        return result;
    }

    private async Task AssertBenignJobPassesAsync()
    {
        var benign = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = "print(6 * 7)" }, Ct);
        Assert.Equal(Verdict.Passed, benign.Verdict);
        Assert.Equal("42", benign.Stdout.Trim());
    }
}

/// <summary>The hostile suite on the process (bubblewrap) backend, and the host-uid checks only it needs (a Docker
/// sandbox's processes are the image's uid 65534 by the container spec).</summary>
[Collection(SandboxCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileProgramTests(SandboxFixture fixture) : HostileProgramSuite(fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ProgramOnTheHost_IsAnUnprivilegedUid()
    {
        Fixture.SkipIfUnavailable();
        var marker = HostProcesses.NewMarker();
        var run = Fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = HostProcesses.PythonRename(marker) + "\nimport time\ntime.sleep(4)\nprint('done')\n",
            Limits = new() { TimeoutMs = 10_000 },
        }, Ct);

        string? status = null;
        for (var i = 0; i < 200 && status is null && !run.IsCompleted; i++)
        {
            foreach (var pid in HostProcesses.WithMarker(marker))
            {
                try
                {
                    status = await File.ReadAllTextAsync($"/proc/{pid}/status", Ct);
                }
                catch (IOException)
                {
                }
            }

            await Task.Delay(25, Ct);
        }

        var result = await run;
        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.NotNull(status);
        var uids = UidLine(status, "Uid:");
        var gids = UidLine(status, "Gid:");
        // Real, effective, saved and filesystem ids: when the service is root, all of them the configured host uid.
        Assert.All(uids, u => Assert.True(Environment.IsPrivilegedProcess ? u == 65_534 : u != 0, $"host uid {u}"));
        Assert.All(gids, g => Assert.NotEqual(0, g));
        Assert.Matches(@"(?m)^Groups:\s*(65534\s*)?$", status);
    }

    [Fact]
    public async Task RootOnlyFolderAmongBoundPaths_CannotBeListedOrRead()
    {
        Fixture.SkipIfUnavailable();
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Skip("needs a service running as root: otherwise the folder's owner is the sandbox's own host uid");
        }

        // Not under /tmp: the sandbox's own tmpfs covers that.
        var bound = Directory.CreateDirectory(Path.Combine("/var/lib", "evor-test-bound-" + Guid.NewGuid().ToString("N")[..12]));
        var secretDir = Path.Combine(bound.FullName, "root-only");
        Directory.CreateDirectory(secretDir);
        File.SetUnixFileMode(bound.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(secretDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var secretFile = Path.Combine(secretDir, "secret.txt");
        await File.WriteAllTextAsync(secretFile, "evor-root-only", Ct);
        File.SetUnixFileMode(secretFile, (UnixFileMode)Convert.ToInt32("644", 8));
        try
        {
            await using var services = SandboxFixture.Build(new Dictionary<string, string?>
            {
                ["Sandbox:Process:ExtraReadOnlyPaths:0"] = bound.FullName,
                ["Sandbox:Process:WarmSandboxes"] = "0",
            });
            var result = await services.GetRequiredService<CodeExecutor>().ExecuteAsync(new ExecutionRequest
            {
                Language = "python",
                Code = $$"""
                    import os
                    print("bound", sorted(os.listdir("{{bound.FullName}}")))
                    for what, call in (("list", lambda: os.listdir("{{secretDir}}")), ("read", lambda: open("{{secretFile}}").read())):
                        try:
                            print(what, "ALLOWED", call())
                        except OSError as e:
                            print(what, "refused", e.strerror)
                    """,
            }, Ct);
            Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
            // The bound folder itself is visible (the bind works); its root-only folder is not.
            Assert.Contains("'root-only'", result.Stdout, StringComparison.Ordinal);
            Assert.Contains("list refused Permission denied", result.Stdout, StringComparison.Ordinal);
            Assert.Contains("read refused Permission denied", result.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("evor-root-only", result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            bound.Delete(recursive: true);
        }
    }

    private static int[] UidLine(string status, string name) =>
        [.. status.Split('\n').Single(l => l.StartsWith(name, StringComparison.Ordinal))[name.Length..]
            .Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
}
