using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Tests.Execution;

public sealed class LimitsPolicyTests
{
    private static readonly LimitsPolicy Policy = new(Options.Create(new SandboxOptions()));

    [Fact]
    public void Resolve_NoOverride_ReturnsDefaults() => Assert.Equal(new ExecutionLimits(), Policy.Resolve(null));

    [Fact]
    public void Resolve_LongerTimeoutOnly_RaisesCpuLimitToo()
    {
        var limits = Policy.Resolve(new ExecutionLimitsOverride { TimeoutMs = 20_000 });
        Assert.Equal(20_000, limits.TimeoutMs);
        Assert.Equal(20_000, limits.CpuTimeMs);
    }

    [Theory]
    [InlineData(nameof(ExecutionLimits.TimeoutMs), 99, "limits.timeoutMs")]
    [InlineData(nameof(ExecutionLimits.TimeoutMs), 60_001, "limits.timeoutMs")]
    [InlineData(nameof(ExecutionLimits.MemoryMb), 15, "limits.memoryMb")]
    [InlineData(nameof(ExecutionLimits.OutputBytes), 17 * 1024 * 1024, "limits.outputBytes")]
    [InlineData(nameof(ExecutionLimits.MaxProcesses), 0, "limits.maxProcesses")]
    [InlineData(nameof(ExecutionLimits.OpenFiles), 8, "limits.openFiles")]
    public void Resolve_OutOfRange_ThrowsNamingTheField(string member, int value, string field)
    {
        var request = member switch
        {
            nameof(ExecutionLimits.TimeoutMs) => new ExecutionLimitsOverride { TimeoutMs = value },
            nameof(ExecutionLimits.MemoryMb) => new ExecutionLimitsOverride { MemoryMb = value },
            nameof(ExecutionLimits.OutputBytes) => new ExecutionLimitsOverride { OutputBytes = value },
            nameof(ExecutionLimits.MaxProcesses) => new ExecutionLimitsOverride { MaxProcesses = value },
            _ => new ExecutionLimitsOverride { OpenFiles = value },
        };
        var e = Assert.Throws<ExecutionRequestException>(() => Policy.Resolve(request));
        Assert.Equal(RequestErrorKind.LimitOutOfRange, e.Kind);
        Assert.Equal(field, e.Field);
    }
}
