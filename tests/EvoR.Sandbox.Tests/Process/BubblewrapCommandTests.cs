using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Process;

namespace EvoR.Sandbox.Tests.Process;

/// <summary>The bubblewrap command line of a run holds every isolation flag SANDBOX-THREATS.md asks for, and maps the
/// limits to rlimits (no host, no processes needed).</summary>
public sealed class BubblewrapCommandTests
{
    private static readonly ProcessHostState Host = new()
    {
        WorkRoot = "/srv/evor",
        Bubblewrap = "/usr/bin/bwrap",
        Prlimit = "/usr/bin/prlimit",
        PasswdPath = "/srv/evor/passwd",
        GroupPath = "/srv/evor/group",
        SeccompPath = "/srv/evor/seccomp.bpf",
        DisableUserns = true,
        RootEntries = [new RootEntry("/bin", "usr/bin"), new RootEntry("/lib64", null)],
    };

    private static readonly SandboxRunSpec Spec = new()
    {
        Command = ["python3", "/app/main.py"],
        WarmCommand = ["python3", "-c", "warm", "/app/main.py"],
        Limits = new ExecutionLimits { MemoryMb = 128, CpuTimeMs = 2500, FileSizeMb = 8, OpenFiles = 100, ScratchMb = 48 },
        Environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["HOME"] = "/work" },
        HostPaths = ["/etc/nim"],
    };

    private static readonly BubblewrapRunPaths Cgrouped = new("/srv/evor/runs/1-a/app", "/srv/evor/runs/1-a/status.json",
        ["/sys/fs/cgroup/memory/evor/1-a/cgroup.procs", "/sys/fs/cgroup/pids/evor/1-a/cgroup.procs"]);

    private static readonly BubblewrapRunPaths NoCgroups = Cgrouped with { CgroupProcsFiles = [] };

    private static IReadOnlyList<string> Build(ProcessHostState? host = null, ProcessSandboxOptions? options = null,
        SandboxRunSpec? spec = null, BubblewrapRunPaths? paths = null) =>
        BubblewrapCommand.Build(host ?? Host, options ?? new ProcessSandboxOptions(), spec ?? Spec, paths ?? Cgrouped);

    /// <summary>Flags (with their arguments) that every run has, as adjacent items of its bubblewrap part.</summary>
    public static TheoryData<string[]> Isolation => new()
    {
        { ["--unshare-user"] }, { ["--unshare-ipc"] }, { ["--unshare-pid"] }, { ["--unshare-net"] }, { ["--unshare-uts"] },
        { ["--unshare-cgroup"] }, { ["--disable-userns"] }, { ["--die-with-parent"] }, { ["--new-session"] },
        { ["--cap-drop", "ALL"] }, { ["--uid", "65534", "--gid", "65534"] }, { ["--clearenv"] },
        { ["--ro-bind", "/usr", "/usr"] }, { ["--symlink", "usr/bin", "/bin"] }, { ["--ro-bind", "/lib64", "/lib64"] },
        { ["--ro-bind-try", "/etc/nim", "/etc/nim"] }, { ["--ro-bind", "/srv/evor/passwd", "/etc/passwd"] },
        { ["--ro-bind", "/srv/evor/runs/1-a/app", "/app"] }, { ["--ro-bind", "/proc/sys", "/proc/sys"] },
        { ["--size", "50331648", "--perms", "0755", "--tmpfs", "/work"] },
        { ["--size", "50331648", "--perms", "1777", "--tmpfs", "/tmp"] },
        { ["--size", "50331648", "--perms", "1777", "--tmpfs", "/dev/shm"] },
        { ["--remount-ro", "/", "--chdir", "/work", "--json-status-fd", "3"] }, { ["--seccomp", "4"] },
        { ["--setenv", "HOME", "/work"] },
        { ["--cpu=3:4", "--fsize=8388608", "--nofile=100", "--core=0", "--"] },
    };

    [Theory]
    [MemberData(nameof(Isolation))]
    public void Build_EveryRun_HasTheFlag(string[] flag) =>
        Assert.True(ContainsRun(Build(), flag), $"missing: {string.Join(' ', flag)}");

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Build_MemoryBound_CgroupElseAddressSpaceRlimit(bool cgroups, bool addressSpaceLimit)
    {
        var args = Build(paths: cgroups ? Cgrouped : NoCgroups);

        Assert.Equal(addressSpaceLimit, args.Contains("--as=134217728"));
        Assert.Equal(cgroups, args.Contains(Cgrouped.CgroupProcsFiles[0]));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("/usr/bin/setpriv", true)]
    public void Build_RootService_DropsToTheHostUidBeforeBubblewrap(string? setpriv, bool drops)
    {
        var args = Build(host: Host with { Setpriv = setpriv }, options: new ProcessSandboxOptions { HostUid = 4242 });

        Assert.Equal(drops, ContainsRun(args, ["/usr/bin/setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", "--", "/usr/bin/bwrap"]));
    }

    [Theory]
    [InlineData(true, new[] { "--", "python3", "-c", "warm", "/app/main.py" })]
    [InlineData(false, new[] { "evor-stub", "python3", "/app/main.py" })]
    public void Build_WarmRunners_StartTheRunnerElseTheStub(bool warmRunners, string[] tail)
    {
        var args = Build(options: new ProcessSandboxOptions { WarmRunners = warmRunners });

        Assert.Equal(tail, args.TakeLast(tail.Length));
    }

    [Fact]
    public void Build_OldBubblewrapWithoutSeccomp_LeavesTheirFlagsOut()
    {
        var args = Build(host: Host with { DisableUserns = false, SeccompPath = null });

        Assert.DoesNotContain("--disable-userns", args);
        Assert.DoesNotContain("--seccomp", args);
        Assert.Equal("", args[4]);
    }

    [Fact]
    public void Build_NothingWritableButScratch_NoReadWriteBind()
    {
        var args = Build();

        Assert.DoesNotContain("--bind", args);
        Assert.DoesNotContain("--dev-bind", args);
        Assert.DoesNotContain("--share-net", args);
    }

    [Theory]
    [InlineData("lib0", true)]
    [InlineData("my-lib_2", true)]
    [InlineData("../etc", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void Build_LibraryName_SinglePathSegmentOnly(string name, bool accepted)
    {
        var spec = Spec with { Libraries = [new SandboxLibrary(name, "/srv/lib")] };

        if (accepted)
        {
            Assert.True(ContainsRun(Build(spec: spec), ["--ro-bind", "/srv/lib", "/libraries/" + name]));
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => Build(spec: spec));
        }
    }

    [Fact]
    public void Build_Libraries_BoundReadOnlyAfterTheScratchMounts()
    {
        var args = Build(spec: Spec with { Libraries = [new SandboxLibrary("tessera", "/tmp/lib")] });

        var bind = args.ToList().IndexOf("/libraries/tessera");
        Assert.Equal(("--ro-bind", "/tmp/lib"), (args[bind - 2], args[bind - 1]));
        Assert.True(bind > args.ToList().LastIndexOf("/dev/shm"), "a scratch tmpfs mounted later would hide a library under it");
    }

    private static bool ContainsRun(IReadOnlyList<string> args, string[] run)
    {
        for (var i = 0; i + run.Length <= args.Count; i++)
        {
            if (args.Skip(i).Take(run.Length).SequenceEqual(run, StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
