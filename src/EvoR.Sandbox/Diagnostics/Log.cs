using Microsoft.Extensions.Logging;

namespace EvoR.Sandbox.Diagnostics;

/// <summary>Every log message of the sandbox, in one place, with stable event ids (1000–1099).
/// Program code and output are never logged above Debug.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Execution {Language} finished: {Verdict} in {DurationMs} ms on {Backend}")]
    public static partial void ExecutionFinished(ILogger logger, string language, Verdict verdict, long durationMs, string backend);

    [LoggerMessage(1001, LogLevel.Warning, "Execution refused: the pool ({Concurrency}) and queue ({QueueLimit}) are full")]
    public static partial void PoolFull(ILogger logger, int concurrency, int queueLimit);

    [LoggerMessage(1002, LogLevel.Error, "Sandbox fault running {Language}: {Reason}")]
    public static partial void SandboxFault(ILogger logger, string language, string reason);

    [LoggerMessage(1003, LogLevel.Debug, "Program output for {Language}: stdout {Stdout}; stderr {Stderr}")]
    public static partial void ProgramOutput(ILogger logger, string language, string stdout, string stderr);

    [LoggerMessage(1010, LogLevel.Information, "Process sandbox ready: bubblewrap {Bubblewrap}, cgroup limits {Cgroups}, seccomp {Seccomp}, work root {WorkRoot}")]
    public static partial void ProcessBackendReady(ILogger logger, string bubblewrap, bool cgroups, bool seccomp, string workRoot);

    [LoggerMessage(1011, LogLevel.Warning, "Cgroups are not writable here ({Reason}); memory falls back to RLIMIT_AS and the process-count limit is not enforced")]
    public static partial void CgroupsUnavailable(ILogger logger, string reason);

    [LoggerMessage(1012, LogLevel.Warning, "Could not remove cgroup {Path}: {Reason}")]
    public static partial void CgroupCleanupFailed(ILogger logger, string path, string reason);

    [LoggerMessage(1013, LogLevel.Warning, "Seccomp filter unavailable on {Architecture}: ptrace and mount are stopped only by the dropped capabilities")]
    public static partial void SeccompUnavailable(ILogger logger, string architecture);

    [LoggerMessage(1014, LogLevel.Information, "Removed {Count} sandbox leftovers from an earlier run")]
    public static partial void LeftoversRemoved(ILogger logger, int count);

    [LoggerMessage(1020, LogLevel.Warning, "Language {Language} is not available: {Reason}")]
    public static partial void LanguageUnavailable(ILogger logger, string language, string reason);
}
