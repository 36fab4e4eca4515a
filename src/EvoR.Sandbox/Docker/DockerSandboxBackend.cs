using Docker.DotNet;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Docker.Scopes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// Runs each <see cref="RunAsync"/> call in a fresh, hardened container (<see cref="ContainerSpec"/>) of the language's
/// image, taken ready from the pool. A started container waits in its gate (the shell gate, or for Python programs the
/// interpreter itself: <see cref="PythonGate"/>): attach (while an inspect checks that the gate still runs), write the
/// files and then the program's stdin to its stdin (<see cref="GateInput"/>), and the gate places the files and runs the
/// program, staying as its parent; when the program exits, the gate ends both streams with an end frame
/// (<see cref="GateEndFrame"/>), and an ordinary exit is settled on it while the container is removed in the background.
/// Anything else (a possible signal or OOM kill, no frame, the wall timer, the output cap) is settled by the engine: its
/// wait gives the exit status, its OOMKilled flag the memory verdict. A created container (gVisor, <c>PoolStarted=false</c>,
/// or a run the gate cannot take) gets its files through the archive API, then attach and start, and is always settled
/// by the engine. Stdout and stderr come from the attach stream under a byte cap; nothing is ever read from the
/// container's filesystem. The wall timer and the kill live here, in the service. The container is removed after the
/// run, and containers left by a crashed instance are removed when the backend starts. A run of a trust scope
/// (<see cref="SandboxRunSpec.Scope"/>) instead takes a container of its scope that its gate verified clean after the
/// previous run (<see cref="ScopeGate"/>, <see cref="ScopedContainers"/>); a scope's containers never serve another scope.
/// </summary>
public sealed class DockerSandboxBackend : ISandboxBackend, IAsyncDisposable
{
    private readonly DockerSandboxOptions _options;
    private readonly DockerImageResolver _images;
    private readonly TimeProvider _time;
    private readonly ILogger<DockerSandboxBackend> _logger;
    private readonly DockerEngine _engine;
    private readonly ContainerPool _pool;
    private readonly EngineReadiness _readiness;
    private readonly ContainerRunner _runner;
    private readonly ScopedContainers _scoped;
    private readonly ScopedRunner _scopedRunner;
    private int _disposed;

    public DockerSandboxBackend(
        IOptions<SandboxOptions> options, DockerImageResolver images, TimeProvider time, ILogger<DockerSandboxBackend> logger)
        : this(options.Value.Docker, images, time, logger)
    {
    }

    /// <summary>The backend of one engine of a fleet (<see cref="Fleet.DockerFleetBackend"/>): these settings.</summary>
    internal DockerSandboxBackend(DockerSandboxOptions engine, DockerImageResolver images, TimeProvider time, ILogger<DockerSandboxBackend> logger)
    {
        _options = engine;
        _images = images;
        _time = time;
        _logger = logger;
        _engine = new DockerEngine(_options, time);
        _pool = new ContainerPool(_engine, _options, time, logger);
        _readiness = new EngineReadiness(_engine, _options, time, logger);
        _runner = new ContainerRunner(_engine, _options, time);
        _scoped = new ScopedContainers(_engine, _options, time, logger, _pool.Track);
        _scopedRunner = new ScopedRunner(_engine, _options, time);
    }

    public string Name => "docker";

    /// <summary>Docker enforces memory and pids limits through cgroups.</summary>
    public bool CgroupLimits => _readiness.Ready;

    /// <summary>The instance label on this backend's containers.</summary>
    public string Instance => _engine.Instance;

    /// <summary>The engine's endpoint.</summary>
    public string Endpoint => _engine.Endpoint;

    /// <summary>Asks the engine for its version (the fleet's probe): null when it answers, else why not.</summary>
    public async Task<string?> ProbeEngineAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _engine.VersionAsync(cancellationToken);
            return null;
        }
        catch (Exception e) when (_engine.Describe(e, "") is { } reason)
        {
            return reason;
        }
    }

    /// <summary>Containers created and waiting in the pool.</summary>
    public int PooledContainers => _pool.ReadyCount;

    /// <summary>Containers kept for trust scopes, idle or running.</summary>
    public int ScopedContainers => _scoped.Count;

    /// <summary>Checks the engine (and removes leftovers) once it answers; null when ready, else why not. A failure is
    /// remembered for two seconds, then the engine is asked again (it may have come up).</summary>
    public Task<string?> EnsureReadyAsync(CancellationToken cancellationToken = default) => _readiness.EnsureAsync(cancellationToken);

    public async Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var (_, image, error) = _images.Resolve(spec);
        if (error is not null)
        {
            return new SandboxRun { SetupError = error, Fault = SandboxFault.Installation };
        }

        if (await EnsureReadyAsync(cancellationToken) is { } notReady)
        {
            return new SandboxRun { SetupError = notReady };
        }

        if (spec.Scope is { } scope && _options.ReuseInScope && ScopeGate.Fits(spec, _options)
            && await RunInScopeAsync(scope, spec, image!, cancellationToken) is { } scoped)
        {
            return scoped;
        }

        var parameters = ContainerSpec.Build(spec, image!, _options, _engine.Labels);
        var gated = ContainerSpec.IsGated(parameters);
        ReadyContainer container;
        try
        {
            container = await _pool.TakeAsync(parameters, cancellationToken);
        }
        catch (Exception e) when (_engine.FailedRun(e, image!) is { } failed)
        {
            return failed;
        }

        MultiplexedStream? stream = null;
        try
        {
            try
            {
                stream = await PrepareAsync(container.Id);
            }
            catch (Exception e) when (DockerEngine.IsContainerMissing(e))
            {
                // A pooled container vanished or stopped before it ran anything: a fresh one is safe to use instead.
                _pool.Track(_engine.RemoveAsync(container.Id));
                container = await _engine.PrepareAsync(parameters, gated, cancellationToken);
                stream = await PrepareAsync(container.Id);
            }
        }
        catch (Exception e) when (_engine.FailedRun(e, image!) is { } failed)
        {
            stream?.Dispose();
            _pool.Track(_engine.RemoveAsync(container.Id));
            return failed;
        }

        try
        {
            return await _runner.RunContainerAsync(container, stream, image!, spec, cancellationToken);
        }
        finally
        {
            // Removal is off the result's path: the container has stopped already, or (ended by its gate's frame) its
            // gate is exiting with nothing else left in it; removal kills whatever still runs either way.
            _pool.Track(_engine.RemoveAsync(container.Id));
        }

        Task<MultiplexedStream> PrepareAsync(string container) =>
            gated ? _runner.AttachToGateAsync(container, cancellationToken) : _runner.PutFilesAndAttachAsync(container, spec.Files, cancellationToken);
    }

    /// <summary>A run in a container of its scope (<see cref="ScopeGate"/>): given back to the scope only when the run ended
    /// on its gate's frames and the gate then verified the container clean; otherwise removed. Null when the scope has
    /// ended (the run takes a fresh container).</summary>
    private async Task<SandboxRun?> RunInScopeAsync(SandboxScope scope, SandboxRunSpec spec, string image, CancellationToken cancellationToken)
    {
        var parameters = ContainerSpec.Build(spec, image, _options, _engine.Labels, scoped: true);
        ScopedContainer? container;
        try
        {
            container = await _scoped.TakeAsync(scope, parameters, cancellationToken);
        }
        catch (Exception e) when (_engine.FailedRun(e, image) is { } failed)
        {
            return failed;
        }

        if (container is null)
        {
            return null;
        }

        var reusable = false;
        try
        {
            (var run, reusable) = await _scopedRunner.RunAsync(container, spec, cancellationToken);
            reusable = reusable && await _scopedRunner.CleanAsync(container);
            return run;
        }
        finally
        {
            if (reusable)
            {
                _scoped.Return(scope, container);
            }
            else
            {
                _scoped.Discard(scope, container, "its run did not end cleanly, or its gate did not verify it clean");
            }
        }
    }

    public ValueTask EndScopeAsync(SandboxScope scope)
    {
        _scoped.End(scope);
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits for removals of used containers still in flight (tests use it to check for leftovers).</summary>
    public Task WaitForCleanupAsync() => _pool.WaitForBackgroundAsync();

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as ISandboxBackend: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _scoped.DisposeAsync();
        await _pool.DisposeAsync();
        _engine.Dispose();
        _readiness.Dispose();
    }
}
