namespace EvoR.Sandbox.Process;

/// <summary>What the process backend found on this host at start (<see cref="ProcessHostSetup"/>): the tools, the
/// shared files every sandbox binds, and the kernel features in use. <see cref="Error"/> says why it cannot run.</summary>
public sealed record ProcessHostState
{
    public string? Error { get; init; }
    public required string WorkRoot { get; init; }
    public string Bubblewrap { get; init; } = "";
    public string Prlimit { get; init; } = "";

    /// <summary>setpriv when the service is root (the sandbox drops to the host uid), else null.</summary>
    public string? Setpriv { get; init; }
    public string PasswdPath { get; init; } = "";
    public string GroupPath { get; init; } = "";
    public string? SeccompPath { get; init; }
    public CgroupV1? Cgroups { get; init; }
    public bool DisableUserns { get; init; }

    /// <summary>The host's top-level library and binary folders (<c>/bin</c>, <c>/lib64</c>…) as the sandbox recreates
    /// them: a symlink where the host has one (merged /usr), else a read-only bind.</summary>
    public IReadOnlyList<RootEntry> RootEntries { get; init; } = [];

    /// <summary>Where the runs' folders live (<c>WorkRoot/runs</c>).</summary>
    public string RunsRoot => Path.Combine(WorkRoot, "runs");
}

/// <summary>A top-level host folder: a symlink to <see cref="LinkTarget"/>, or (null) a folder bound read-only.</summary>
public sealed record RootEntry(string Path, string? LinkTarget);
