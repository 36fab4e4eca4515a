using System.ComponentModel.DataAnnotations;

namespace EvoR.Sandbox;

/// <summary>Configuration section <c>Sandbox</c>. Validated at start.</summary>
public sealed class SandboxOptions
{
    public const string SectionName = "Sandbox";

    /// <summary>Which backend runs programs: <c>process</c> (bubblewrap, default) or <c>docker</c>.</summary>
    [Required, RegularExpression("^(process|docker)$")]
    public string Backend { get; set; } = "process";

    /// <summary>Executions running at once. 0 (default) means the number of cores. Range 0–256.</summary>
    [Range(0, 256)]
    public int MaxConcurrency { get; set; }

    /// <summary>Executions that may wait for a slot; past it a request is refused at once. Default 64, range 0–10000.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; } = 64;

    /// <summary>Output bytes that all running executions may hold together, whatever caps each request asks for
    /// (a request may raise its cap to <c>MaxLimits:OutputBytes</c> per stream). Each run books its caps when it
    /// starts and keeps what it printed booked until its execution returns; a run that finds less left gets what is left
    /// as its caps (it never waits), and output past them ends it as OutputLimitExceeded with a message naming this
    /// setting. Default 268435456 (256 MiB), range 1 MiB–64 GiB.</summary>
    [Range(1024 * 1024, 64L * 1024 * 1024 * 1024)]
    public long MaxTotalOutputBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Largest accepted program (plus script tests), in bytes. Default 262144 (256 KiB).</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxCodeBytes { get; set; } = 256 * 1024;

    /// <summary>Largest accepted standard input (per run or per case), in bytes. Default 1 MiB.</summary>
    [Range(0, 64 * 1024 * 1024)]
    public int MaxStdinBytes { get; set; } = 1024 * 1024;

    /// <summary>Most executions in one <c>POST /v1/executions/batch</c>. Default 64, range 1–1000.</summary>
    [Range(1, 1000)]
    public int MaxBatchExecutions { get; set; } = 64;

    /// <summary>Most io cases in one request. Default 100, range 1–10000.</summary>
    [Range(1, 10_000)]
    public int MaxCases { get; set; } = 100;

    /// <summary>Most files one request may place in the working folder (<c>files</c>). Default 256, range 0–10000.</summary>
    [Range(0, 10_000)]
    public int MaxFiles { get; set; } = 256;

    /// <summary>Largest file of a request's <c>files</c>, in bytes once decoded. Default 4194304 (4 MiB).</summary>
    [Range(0, 256 * 1024 * 1024)]
    public int MaxFileBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>All of a request's <c>files</c> together, in bytes once decoded. Default 16777216 (16 MiB). The
    /// working folder's size (<c>limits.scratchMb</c>) and <c>Requests:MaxBodyBytes</c> bound them too.</summary>
    [Range(0, 1024 * 1024 * 1024)]
    public int MaxTotalFileBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most program arguments (<c>arguments</c>) in one request. Default 64, range 0–4096.</summary>
    [Range(0, 4096)]
    public int MaxArguments { get; set; } = 64;

    /// <summary>All program arguments together, in UTF-8 bytes. Default 65536.</summary>
    [Range(0, 1024 * 1024)]
    public int MaxArgumentBytes { get; set; } = 64 * 1024;

    /// <summary>Wall-clock limit of a compile step, in milliseconds. Default 30000.</summary>
    [Range(1000, 600_000)]
    public int CompileTimeoutMs { get; set; } = 30_000;

    /// <summary>Memory for a compile step, in MiB (compilers need more than programs). Default 1024.</summary>
    [Range(64, 65_536)]
    public int CompileMemoryMb { get; set; } = 1024;

    /// <summary>Largest compiled artifact accepted from a compile step, in MiB. Default 64.</summary>
    [Range(1, 1024)]
    public int MaxArtifactMb { get; set; } = 64;

    /// <summary>Limits applied when a request names none.</summary>
    [Required]
    public ExecutionLimits DefaultLimits { get; set; } = new();

    /// <summary>Largest limits a request may ask for.</summary>
    [Required]
    public ExecutionLimits MaxLimits { get; set; } = new()
    {
        TimeoutMs = 60_000,
        CpuTimeMs = 60_000,
        MemoryMb = 4096,
        OutputBytes = 16 * 1024 * 1024,
        MaxProcesses = 512,
        FileSizeMb = 1024,
        OpenFiles = 4096,
        ScratchMb = 1024,
    };

    /// <summary>Variables every program sees (an allow-list: nothing of the service's environment passes).</summary>
    public Dictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal)
    {
        ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
        ["HOME"] = "/work",
        ["TMPDIR"] = "/tmp",
        ["LANG"] = "C.UTF-8",
        ["LC_ALL"] = "C.UTF-8",
    };

    /// <summary>How long a language probe result is reused by the health check. Default 60 s.</summary>
    [Range(0, 86_400)]
    public int HealthCacheSeconds { get; set; } = 60;

    /// <summary>Named library folders on the service's host (<c>Sandbox:Libraries:NAME:Path</c>), bound read-only at
    /// <c>/libraries/NAME</c> on either backend when a request names them (<c>libraries</c>), or in every run with
    /// <c>EveryRun=true</c>, and put on the language's import path (Python: <c>PYTHONPATH</c>). Names are letters,
    /// digits, <c>-</c> and <c>_</c>; a folder must be readable by the sandbox's user. On the Docker backend the path is
    /// one of the engine's host.</summary>
    public Dictionary<string, SandboxLibraryOptions> Libraries { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Settings of the process (bubblewrap) backend.</summary>
    [Required]
    public ProcessSandboxOptions Process { get; set; } = new();

    /// <summary>Settings of the Docker backend.</summary>
    [Required]
    public Docker.DockerSandboxOptions Docker { get; set; } = new();
}

/// <summary>Configuration section <c>Sandbox:Process</c>.</summary>
public sealed class ProcessSandboxOptions
{
    /// <summary>The bubblewrap executable. Default <c>bwrap</c> (looked up on PATH).</summary>
    [Required]
    public string BubblewrapPath { get; set; } = "bwrap";

    /// <summary>util-linux <c>prlimit</c>, which sets the rlimits before bubblewrap starts. Default <c>prlimit</c>.</summary>
    [Required]
    public string PrlimitPath { get; set; } = "prlimit";

    /// <summary>Use memory and pids cgroups (v1) when writable. Default true; false forces rlimits only.</summary>
    public bool UseCgroups { get; set; } = true;

    /// <summary>Mount point of the cgroup v1 hierarchies. Default <c>/sys/fs/cgroup</c>.</summary>
    [Required]
    public string CgroupMount { get; set; } = "/sys/fs/cgroup";

    /// <summary>Parent cgroup created under each controller for the sandboxes. Default <c>evor-sandbox</c>.</summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]+$")]
    public string CgroupParent { get; set; } = "evor-sandbox";

    /// <summary>Host directory for per-run files (source, compiled artifact). Default: the temp dir + <c>evor-sandbox</c>
    /// (<c>evor-sandbox-{HostUid}</c> when the service is root). When the service is root, <see cref="HostUid"/> must be
    /// able to pass through every folder above it (o+x); the start refuses otherwise.</summary>
    public string? WorkRoot { get; set; }

    /// <summary>User and group id the program runs as inside its user namespace. Default 65534 (nobody).</summary>
    [Range(1, 65_534)]
    public int SandboxUid { get; set; } = 65_534;

    /// <summary>Host user and group id the sandbox (bubblewrap and the program) runs as when the service runs as root:
    /// util-linux <c>setpriv</c> drops to it before bubblewrap starts, so the program is an unprivileged user on the host
    /// too, not root mapped into a user namespace. Ignored when the service is not root (then the service's own uid is
    /// the host uid). Default 65534 (nobody), range 1–65534.</summary>
    [Range(1, 65_534)]
    public int HostUid { get; set; } = 65_534;

    /// <summary>util-linux <c>setpriv</c>, which drops root to <see cref="HostUid"/>. Default <c>setpriv</c>.</summary>
    [Required]
    public string SetprivPath { get; set; } = "setpriv";

    /// <summary>Sandboxes kept set up ahead of time per recent run profile (language and limits), so a run pays only for
    /// starting its program. Default 2, range 0–32; 0 starts every sandbox on demand.</summary>
    [Range(0, 32)]
    public int WarmSandboxes { get; set; } = 2;

    /// <summary>Whether a language's warm runner (<c>warmRun</c> in languages.json: Python's) is started with the
    /// sandbox, so that the runtime's start-up is done before the run. Default true; false starts the runtime at the go
    /// line, exactly as <c>run</c> says.</summary>
    public bool WarmRunners { get; set; } = true;

    /// <summary>Run profiles that keep warm sandboxes; older ones are dropped. Default 8, range 1–64.</summary>
    [Range(1, 64)]
    public int WarmProfiles { get; set; } = 8;

    /// <summary>Extra host paths bound read-only into every sandbox (e.g. a toolchain under /opt).</summary>
    public List<string> ExtraReadOnlyPaths { get; set; } = [];

    /// <summary>Older form of <c>Sandbox:Libraries:NAME:Path</c> with <c>EveryRun=true</c>, kept working: a host folder
    /// bound read-only at <c>/libraries/NAME</c> in every run, on both backends now, and put on the import path as those
    /// are. Prefer <c>Sandbox:Libraries</c>; where both name the same library, <c>Sandbox:Libraries</c> wins.</summary>
    public Dictionary<string, string> Libraries { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One entry of <c>Sandbox:Libraries</c>.</summary>
public sealed class SandboxLibraryOptions
{
    /// <summary>Absolute host folder (the engine's host for the Docker backend). Required.</summary>
    public string Path { get; set; } = "";

    /// <summary>Bound into every run, named by the request or not (EvoR-Bench's <c>--library</c>). Default false.</summary>
    public bool EveryRun { get; set; }
}
