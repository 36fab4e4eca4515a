namespace EvoR.Sandbox;

/// <summary>
/// The limits one execution ran under. Results echo the applied limits so that every verdict is reproducible.
/// Ranges are enforced by <see cref="LimitsPolicy"/>.
/// </summary>
public sealed record ExecutionLimits
{
    /// <summary>Wall-clock limit per run, in milliseconds, timed outside the sandbox. Default 5000.</summary>
    public int TimeoutMs { get; init; } = 5000;

    /// <summary>CPU-time limit per process, in milliseconds (RLIMIT_CPU, rounded up to seconds). Default 5000.</summary>
    public int CpuTimeMs { get; init; } = 5000;

    /// <summary>Memory limit in MiB (memory cgroup with swap equal to memory, else RLIMIT_AS). Default 256.</summary>
    public int MemoryMb { get; init; } = 256;

    /// <summary>Bytes kept per output stream; one byte more ends the run as OutputLimitExceeded. Default 65536.</summary>
    public int OutputBytes { get; init; } = 65536;

    /// <summary>Maximum live processes and threads (pids cgroup). Default 64.</summary>
    public int MaxProcesses { get; init; } = 64;

    /// <summary>Largest file the program may write, in MiB (RLIMIT_FSIZE). Default 16.</summary>
    public int FileSizeMb { get; init; } = 16;

    /// <summary>Open file descriptors (RLIMIT_NOFILE). Default 256.</summary>
    public int OpenFiles { get; init; } = 256;

    /// <summary>Size of each writable scratch mount (work dir, /tmp, /dev/shm), in MiB. Default 64.</summary>
    public int ScratchMb { get; init; } = 64;
}

/// <summary>Optional per-request overrides of <see cref="ExecutionLimits"/>; a null member keeps the default.</summary>
public sealed record ExecutionLimitsOverride
{
    public int? TimeoutMs { get; init; }
    public int? CpuTimeMs { get; init; }
    public int? MemoryMb { get; init; }
    public int? OutputBytes { get; init; }
    public int? MaxProcesses { get; init; }
    public int? FileSizeMb { get; init; }
    public int? OpenFiles { get; init; }
    public int? ScratchMb { get; init; }
}
