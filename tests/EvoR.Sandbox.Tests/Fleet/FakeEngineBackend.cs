using System.Collections.Concurrent;
using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Tests.Fleet;

/// <summary>A backend standing in for one engine: runs wait until released (when held), then end as told; its probe
/// answers as told.</summary>
internal sealed class FakeEngineBackend(string name) : ISandboxBackend
{
    private readonly ConcurrentQueue<TaskCompletionSource<SandboxRun>> _held = new();

    public string Name => name;

    public bool CgroupLimits => true;

    /// <summary>Runs wait for <see cref="ReleaseAll"/> instead of ending at once.</summary>
    public bool Hold { get; set; }

    /// <summary>What a run ends with (default: exit 0).</summary>
    public Func<SandboxRun> Outcome { get; set; } = () => new SandboxRun { ExitCode = 0 };

    /// <summary>The probe's answer: null when the engine answers.</summary>
    public string? ProbeFailure { get; set; } = "engine down";

    public int Started => _started;

    public int Probes => _probes;

    private int _started;
    private int _probes;

    /// <summary>The scopes ended through <see cref="EndScopeAsync"/>, in order.</summary>
    public ConcurrentQueue<SandboxScope> EndedScopes { get; } = new();

    public ValueTask EndScopeAsync(SandboxScope scope)
    {
        EndedScopes.Enqueue(scope);
        return ValueTask.CompletedTask;
    }

    public Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        if (!Hold)
        {
            return Task.FromResult(Outcome());
        }

        var run = new TaskCompletionSource<SandboxRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        cancellationToken.Register(() => run.TrySetCanceled(cancellationToken));
        _held.Enqueue(run);
        return run.Task;
    }

    public void ReleaseAll()
    {
        while (_held.TryDequeue(out var run))
        {
            run.TrySetResult(Outcome());
        }
    }

    public Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _probes);
        return Task.FromResult(ProbeFailure);
    }
}
