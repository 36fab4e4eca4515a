using Microsoft.Extensions.Options;

namespace EvoR.Sandbox;

/// <summary>Merges a request's limit overrides with the configured defaults and checks them against the maxima.</summary>
public sealed class LimitsPolicy(IOptions<SandboxOptions> options)
{
    // Floors below which a limit stops being meaningful (a 10 ms wall limit would fail every interpreter start).
    private const int MinTimeoutMs = 100;
    private const int MinMemoryMb = 16;
    private const int MinOutputBytes = 1024;

    private readonly SandboxOptions _options = options.Value;

    public ExecutionLimits Defaults => _options.DefaultLimits;
    public ExecutionLimits Maxima => _options.MaxLimits;

    /// <exception cref="ExecutionRequestException">A value is outside its valid range.</exception>
    public ExecutionLimits Resolve(ExecutionLimitsOverride? requested)
    {
        var d = _options.DefaultLimits;
        var m = _options.MaxLimits;
        if (requested is null)
        {
            return d;
        }

        var timeout = Check("timeoutMs", requested.TimeoutMs, d.TimeoutMs, MinTimeoutMs, m.TimeoutMs);
        return new ExecutionLimits
        {
            TimeoutMs = timeout,
            // An explicit wall limit without a CPU limit raises both: a CPU limit below the wall limit would turn a
            // longer timeout into a CPU-time kill.
            CpuTimeMs = Check("cpuTimeMs", requested.CpuTimeMs, Math.Min(Math.Max(d.CpuTimeMs, timeout), m.CpuTimeMs), MinTimeoutMs, m.CpuTimeMs),
            MemoryMb = Check("memoryMb", requested.MemoryMb, d.MemoryMb, MinMemoryMb, m.MemoryMb),
            OutputBytes = Check("outputBytes", requested.OutputBytes, d.OutputBytes, MinOutputBytes, m.OutputBytes),
            MaxProcesses = Check("maxProcesses", requested.MaxProcesses, d.MaxProcesses, 1, m.MaxProcesses),
            FileSizeMb = Check("fileSizeMb", requested.FileSizeMb, d.FileSizeMb, 1, m.FileSizeMb),
            OpenFiles = Check("openFiles", requested.OpenFiles, d.OpenFiles, 16, m.OpenFiles),
            ScratchMb = Check("scratchMb", requested.ScratchMb, d.ScratchMb, 1, m.ScratchMb),
        };
    }

    private static int Check(string name, int? value, int fallback, int min, int max)
    {
        if (value is null)
        {
            return fallback;
        }

        if (value < min || value > max)
        {
            throw new ExecutionRequestException(
                RequestErrorKind.LimitOutOfRange,
                $"limits.{name} must be between {min} and {max}; got {value}.",
                $"limits.{name}");
        }

        return value.Value;
    }
}
