using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Docker;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>The container of a run is hardened as SANDBOX-THREATS.md asks, whatever the engine (no engine needed).</summary>
public sealed class ContainerSpecTests
{
    private static readonly SandboxRunSpec Spec = new()
    {
        Command = ["python3", "/app/main.py"],
        Limits = new ExecutionLimits { MemoryMb = 128, MaxProcesses = 32, OpenFiles = 100, FileSizeMb = 8, CpuTimeMs = 2500, ScratchMb = 48 },
        Environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["HOME"] = "/work" },
    };

    private static readonly Dictionary<string, string> Labels = new() { [DockerEngine.SandboxLabel] = "1", [DockerEngine.PidLabel] = "42" };

    [Fact]
    public void Build_DefaultOptions_IsolatedAndLimited()
    {
        var p = ContainerSpec.Build(Spec, "evor/sandbox-python:bookworm", new DockerSandboxOptions(), Labels);
        var h = p.HostConfig!;

        Assert.Equal("none", h.NetworkMode);
        Assert.True(p.NetworkDisabled);
        Assert.True(h.ReadonlyRootfs);
        Assert.Equal(["ALL"], h.CapDrop);
        Assert.Null(h.CapAdd);
        Assert.False(h.Privileged);
        Assert.Contains("no-new-privileges", h.SecurityOpt!);
        Assert.DoesNotContain(h.SecurityOpt!, o => o.Contains("unconfined", StringComparison.Ordinal));
        Assert.True(h.Init);
        Assert.Equal("65534:65534", p.User);
        // The program's 32, init, and the gate that stays as the program's parent.
        Assert.Equal(34, h.PidsLimit);
        Assert.Equal(128L * 1024 * 1024, h.Memory);
        Assert.Equal(h.Memory, h.MemorySwap);
        Assert.Equal("none", h.LogConfig!.Type);
        Assert.Null(h.Binds);
        // Behind the gate (the default), /app is a tmpfs the gate fills; no volume.
        Assert.Empty(h.Mounts!);
        Assert.Contains("noexec", h.Tmpfs!["/app"], StringComparison.Ordinal);
        Assert.Equal(["PATH=/usr/bin:/bin", "HOME=/work"], p.Env);
        Assert.Equal("1", p.Labels![DockerEngine.SandboxLabel]);
        Assert.True(p.OpenStdin && p.StdinOnce && !p.Tty);
    }

    [Fact]
    public void Build_Scoped_SameHardeningAsOneRun_BehindTheScopeGate()
    {
        var options = new DockerSandboxOptions();
        var once = ContainerSpec.Build(Spec, "evor/sandbox-python:bookworm", options, Labels);
        var scoped = ContainerSpec.Build(Spec, "evor/sandbox-python:bookworm", options, Labels, scoped: true);
        var (a, b) = (once.HostConfig!, scoped.HostConfig!);

        Assert.Equal(["/bin/sh", "-c", EvoR.Sandbox.Docker.Scopes.ScopeGate.Script, "evor-gate"], scoped.Cmd.Take(4));
        Assert.Equal(["python3", "/app/main.py"], scoped.Cmd.Skip(5));
        Assert.True(ContainerSpec.IsScoped(scoped) && ContainerSpec.IsGated(scoped) && !ContainerSpec.IsScoped(once));
        Assert.Equal(
            (a.NetworkMode, a.ReadonlyRootfs, a.Init, a.PidsLimit, a.Memory, a.MemorySwap, a.ShmSize, a.IpcMode, a.Runtime, a.LogConfig!.Type),
            (b.NetworkMode, b.ReadonlyRootfs, b.Init, b.PidsLimit, b.Memory, b.MemorySwap, b.ShmSize, b.IpcMode, b.Runtime, b.LogConfig!.Type));
        Assert.Equal(a.CapDrop, b.CapDrop);
        Assert.Equal(a.SecurityOpt, b.SecurityOpt);
        Assert.Equal(a.Ulimits!.Select(u => (u.Name, u.Soft, u.Hard)), b.Ulimits!.Select(u => (u.Name, u.Soft, u.Hard)));
        Assert.Equal(a.Tmpfs, b.Tmpfs);
        Assert.Equal((once.User, once.NetworkDisabled), (scoped.User, scoped.NetworkDisabled));
        Assert.Equal(once.Env, scoped.Env);
        // Each scope's containers are its own profile key, never a one-run container's.
        Assert.NotEqual(ContainerSpec.ProfileKey(once), ContainerSpec.ProfileKey(scoped));
    }

    [Theory]
    [InlineData(2, false, true)]
    [InlineData(1, false, false)] // the gate's helper (head) needs a process of its own
    [InlineData(2, true, false)] // an executable file (a compiled program's run step): /app is noexec
    public void ScopeGate_Fits_WhatTheGateCanServe(int maxProcesses, bool executable, bool fits)
    {
        var spec = Spec with
        {
            Limits = Spec.Limits with { MaxProcesses = maxProcesses },
            Files = [new SandboxFile("main.py", "pass"u8.ToArray(), executable)],
        };

        Assert.Equal(fits, EvoR.Sandbox.Docker.Scopes.ScopeGate.Fits(spec, new DockerSandboxOptions()));
        Assert.False(EvoR.Sandbox.Docker.Scopes.ScopeGate.Fits(spec, new DockerSandboxOptions { Runtime = "runsc" }));
    }

    [Fact]
    public void Build_Limits_BecomeUlimitsAndSizedTmpfs()
    {
        var h = ContainerSpec.Build(Spec, "img", new DockerSandboxOptions(), Labels).HostConfig!;
        var ulimits = h.Ulimits!.ToDictionary(u => u.Name, u => (u.Soft, u.Hard));

        Assert.Equal((100L, 100L), ulimits["nofile"]);
        Assert.Equal((8L << 20, 8L << 20), ulimits["fsize"]);
        Assert.Equal((0L, 0L), ulimits["core"]);
        Assert.Equal((3L, 4L), ulimits["cpu"]);
        Assert.Equal(["/work", "/tmp", "/var/tmp", "/app"], h.Tmpfs!.Keys);
        Assert.All(h.Tmpfs.Values, v => Assert.Contains("size=48m", v, StringComparison.Ordinal));
        Assert.Equal(48L << 20, h.ShmSize);
    }

    [Fact]
    public void SeccompProfile_DefaultLessPtrace_PtraceOnlyWithCapSysPtrace()
    {
        var p = ContainerSpec.Build(Spec, "img", new DockerSandboxOptions(), Labels);
        Assert.Contains("seccomp=" + ContainerSpec.DefaultSeccompProfile, p.HostConfig!.SecurityOpt!);
        using var profile = System.Text.Json.JsonDocument.Parse(ContainerSpec.DefaultSeccompProfile);
        Assert.Equal("SCMP_ACT_ERRNO", profile.RootElement.GetProperty("defaultAction").GetString());
        foreach (var rule in profile.RootElement.GetProperty("syscalls").EnumerateArray())
        {
            var names = rule.GetProperty("names").EnumerateArray().Select(n => n.GetString()).ToList();
            if (names.Intersect(["ptrace", "process_vm_readv", "process_vm_writev"]).Any())
            {
                // Only for containers that keep CAP_SYS_PTRACE, which ours never do.
                Assert.Contains("CAP_SYS_PTRACE", rule.GetProperty("includes").GetProperty("caps").EnumerateArray().Select(c => c.GetString()));
            }
        }
    }

    [Fact]
    public void Build_PoolStarted_CommandBehindTheGate_ElsePlain()
    {
        var gated = ContainerSpec.Build(Spec, "img", new DockerSandboxOptions { PoolStarted = true, PythonGate = false }, Labels);
        var plain = ContainerSpec.Build(Spec, "img", new DockerSandboxOptions { PoolStarted = false }, Labels);
        Assert.Equal(["/bin/sh", "-c", ContainerSpec.GateScript, "evor-gate", "0", "python3", "/app/main.py"], gated.Cmd);
        Assert.True(ContainerSpec.IsGated(gated));
        Assert.False(ContainerSpec.IsGated(plain));
        Assert.Equal(["python3", "/app/main.py"], plain.Cmd);
        var gvisor = ContainerSpec.Build(Spec, "img", new DockerSandboxOptions { PoolStarted = true, Runtime = "runsc" }, Labels);
        Assert.Equal(["python3", "/app/main.py"], gvisor.Cmd);
    }

    [Fact]
    public void Build_NotGated_AppIsAVolumeForTheArchiveApi()
    {
        var h = ContainerSpec.Build(Spec, "img", new DockerSandboxOptions { PoolStarted = false }, Labels).HostConfig!;
        Assert.All(h.Mounts!, m => Assert.Equal("volume", m.Type));
        Assert.Equal(["/app"], h.Mounts!.Select(m => m.Target));
        Assert.False(h.Tmpfs!.ContainsKey("/app"));
    }

    [Fact]
    public void Build_PythonProgram_ThePythonGateUnderTheWaitingShell_ElseTheShellGate()
    {
        var python = ContainerSpec.Build(Spec, "img", new DockerSandboxOptions(), Labels);
        Assert.Equal(["/bin/sh", "-c", ContainerSpec.WaiterScript, "evor-gate", "0", "python3", "-c", PythonGate.Script, "/app/main.py"], python.Cmd);
        Assert.True(ContainerSpec.IsGated(python));

        // Not a plain `python3 /app/NAME.py`: the shell gate runs the command as given.
        foreach (var command in new[] { new[] { "python3", "-u", "/app/main.py" }, ["lua5.4", "/app/main.lua"], ["python3", "/work/x.py"] })
        {
            var other = ContainerSpec.Build(Spec with { Command = command }, "img", new DockerSandboxOptions(), Labels);
            Assert.Equal(["/bin/sh", "-c", ContainerSpec.GateScript, "evor-gate", "0", .. command], other.Cmd);
        }

        // The Python gate places the files itself: one process is enough for it, not for the shell gate's helper.
        var one = Spec with { Limits = Spec.Limits with { MaxProcesses = 1 } };
        Assert.True(ContainerSpec.IsGated(ContainerSpec.Build(one, "img", new DockerSandboxOptions(), Labels)));
        Assert.False(ContainerSpec.IsGated(ContainerSpec.Build(one, "img", new DockerSandboxOptions { PythonGate = false }, Labels)));
    }

    [Fact]
    public void WithNonce_EachContainerItsOwn_TheProfileUntouched()
    {
        var profile = ContainerSpec.Build(Spec, "img", new DockerSandboxOptions(), Labels);
        var a = ContainerSpec.WithNonce(profile, "aaaa");
        var b = ContainerSpec.WithNonce(profile, "bbbb");

        Assert.Equal("aaaa", a.Cmd[4]);
        Assert.Equal("bbbb", b.Cmd[4]);
        Assert.Equal("0", profile.Cmd[4]);
        Assert.Equal(profile.Cmd.Count, a.Cmd.Count);
        Assert.Same(profile.HostConfig, a.HostConfig);
        Assert.Equal((profile.Image, profile.User, profile.Env, profile.Labels, profile.OpenStdin, profile.StdinOnce, profile.WorkingDir),
            (a.Image, a.User, a.Env, a.Labels, a.OpenStdin, a.StdinOnce, a.WorkingDir));
        Assert.Equal(ContainerSpec.ProfileKey(profile), ContainerSpec.ProfileKey(ContainerSpec.Build(Spec, "img", new DockerSandboxOptions(), Labels)));
    }

    public static TheoryData<string, SandboxRunSpec> UngatedRuns => new()
    {
        { "one process only: no room for the shell gate's helper", Spec with { Command = ["lua5.4", "/app/main.lua"], Limits = Spec.Limits with { MaxProcesses = 1 } } },
        { "an executable file (the gate's /app is noexec)", Spec with { Files = [new SandboxFile("prog", [1], Executable: true)] } },
        { "a file over the file-size rlimit", Spec with { Files = [new SandboxFile("main.py", new byte[(8 << 20) + 1])] } },
        { "files over the scratch size", Spec with { Files = [.. Enumerable.Range(0, 7).Select(i => new SandboxFile($"f{i}", new byte[8 << 20]))] } },
        { "a name with a newline", Spec with { Files = [new SandboxFile("a\nb", [1])] } },
    };

    [Theory]
    [MemberData(nameof(UngatedRuns))]
    public void Build_RunTheGateCannotTake_CreatedContainerWithPlainCommand(string why, SandboxRunSpec spec)
    {
        var p = ContainerSpec.Build(spec, "img", new DockerSandboxOptions(), Labels);
        Assert.False(ContainerSpec.IsGated(p), why);
        Assert.Equal(spec.Command, p.Cmd);
        Assert.Equal(["/app"], p.HostConfig!.Mounts!.Select(m => m.Target));
    }

    [Fact]
    public void GateInput_CountThenSizeNameAndContentPerFile()
    {
        var input = GateInput.Build([new SandboxFile("main.py", "pass\n"u8.ToArray()), new SandboxFile("data v1.txt", [])]);
        Assert.Equal("2\n5\nmain.py\npass\n0\ndata v1.txt\n", System.Text.Encoding.UTF8.GetString(input));
        Assert.Throws<ArgumentException>(() => GateInput.Build([new SandboxFile("prog", [1], Executable: true)]));
        Assert.Throws<ArgumentException>(() => GateInput.Build([new SandboxFile("../x", [1])]));
    }

    [Fact]
    public void Build_RuntimeConfigured_UsesIt()
    {
        var h = ContainerSpec.Build(Spec, "img", new DockerSandboxOptions { Runtime = "runsc" }, Labels).HostConfig!;
        Assert.Equal("runsc", h.Runtime);
    }

    [Fact]
    public void ProfileKey_SameRunDifferentLabels_Equal_DifferentLimits_Differ()
    {
        var options = new DockerSandboxOptions();
        var a = ContainerSpec.ProfileKey(ContainerSpec.Build(Spec, "img", options, Labels));
        var b = ContainerSpec.ProfileKey(ContainerSpec.Build(Spec, "img", options, new Dictionary<string, string>()));
        var c = ContainerSpec.ProfileKey(ContainerSpec.Build(Spec with { Limits = Spec.Limits with { MemoryMb = 256 } }, "img", options, Labels));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Build_Libraries_ReadOnlyBindsThatSplitThePool(bool poolStarted)
    {
        var options = new DockerSandboxOptions { PoolStarted = poolStarted };
        var plain = ContainerSpec.Build(Spec, "img", options, Labels);
        var with = ContainerSpec.Build(Spec with { Libraries = [new SandboxLibrary("tessera", "/srv/lib/tessera")] }, "img", options, Labels);

        var mount = Assert.Single(with.HostConfig!.Mounts!, m => m.Type == "bind");
        Assert.Equal(("/srv/lib/tessera", "/libraries/tessera", true), (mount.Source, mount.Target, mount.ReadOnly));
        Assert.DoesNotContain(plain.HostConfig!.Mounts!, m => m.Type == "bind");
        Assert.NotEqual(ContainerSpec.ProfileKey(plain), ContainerSpec.ProfileKey(with));
    }
}
