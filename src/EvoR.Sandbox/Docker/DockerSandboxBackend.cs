using Docker.DotNet;
using EvoR.Sandbox.Backends;
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
/// run, and containers left by a crashed instance are removed when the backend starts.
/// </summary>
public sealed class DockerSandboxBackend : ISandboxBackend, IAsyncDisposable
{
    private static readonly TimeSpan RetryReadyAfter = TimeSpan.FromSeconds(2);

    private readonly DockerSandboxOptions _options;
    private readonly DockerImageResolver _images;
    private readonly TimeProvider _time;
    private readonly ILogger<DockerSandboxBackend> _logger;
    private readonly DockerEngine _engine;
    private readonly ContainerPool _pool;
    private readonly SemaphoreSlim _readyLock = new(1, 1);
    private volatile bool _ready;
    private int _disposed;
    private (string Reason, long At)? _notReady;

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
    }

    public string Name => "docker";

    /// <summary>Docker enforces memory and pids limits through cgroups.</summary>
    public bool CgroupLimits => _ready;

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

    /// <summary>Checks the engine (and removes leftovers) once it answers; null when ready, else why not. A failure is
    /// remembered for two seconds, then the engine is asked again (it may have come up).</summary>
    public async Task<string?> EnsureReadyAsync(CancellationToken cancellationToken = default)
    {
        if (_ready)
        {
            return null;
        }

        await _readyLock.WaitAsync(cancellationToken);
        try
        {
            if (_ready)
            {
                return null;
            }

            if (_notReady is { } last && _time.GetElapsedTime(last.At) < RetryReadyAfter)
            {
                return last.Reason;
            }

            try
            {
                var version = await _engine.VersionAsync(cancellationToken);
                await _engine.IdentifyOwnContainerAsync(cancellationToken);
                if (_options.ReapLeftovers)
                {
                    await ReapLeftoversAsync(cancellationToken);
                }

                DockerLog.Ready(_logger, version.Version, version.APIVersion, _engine.Endpoint, _options.Runtime ?? "default", _options.PoolSize);
                _ready = true;
                _notReady = null;
                return null;
            }
            catch (Exception e) when (_engine.Describe(e, "") is { } reason)
            {
                DockerLog.Unavailable(_logger, reason);
                _notReady = (reason, _time.GetTimestamp());
                return reason;
            }
        }
        finally
        {
            _readyLock.Release();
        }
    }

    public async Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var (_, image, error) = _images.Resolve(spec);
        if (error is not null)
        {
            return new SandboxRun { SetupError = error };
        }

        if (await EnsureReadyAsync(cancellationToken) is { } notReady)
        {
            return new SandboxRun { SetupError = notReady };
        }

        var parameters = ContainerSpec.Build(spec, image!, _options, _engine.Labels);
        var gated = ContainerSpec.IsGated(parameters);
        ReadyContainer container;
        try
        {
            container = await _pool.TakeAsync(parameters, cancellationToken);
        }
        catch (Exception e) when (_engine.Describe(e, image!) is { } reason)
        {
            return new SandboxRun { SetupError = reason };
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
        catch (Exception e) when (_engine.Describe(e, image!) is { } reason)
        {
            stream?.Dispose();
            _pool.Track(_engine.RemoveAsync(container.Id));
            return new SandboxRun { SetupError = reason };
        }

        try
        {
            return await RunContainerAsync(container, stream, image!, spec, cancellationToken);
        }
        finally
        {
            // Removal is off the result's path: the container has stopped already, or (ended by its gate's frame) its
            // gate is exiting with nothing else left in it; removal kills whatever still runs either way.
            _pool.Track(_engine.RemoveAsync(container.Id));
        }

        Task<MultiplexedStream> PrepareAsync(string container) =>
            gated ? AttachToGateAsync(container, cancellationToken) : PutFilesAndAttachAsync(container, spec.Files, cancellationToken);
    }

    /// <summary>Attaches to a gated container while checking, in parallel, that its gate still runs (nothing has been
    /// written to it yet, so a stopped one can be replaced).</summary>
    private async Task<MultiplexedStream> AttachToGateAsync(string id, CancellationToken cancellationToken)
    {
        var attach = _engine.AttachAsync(id, cancellationToken);
        bool running;
        try
        {
            running = (await _engine.InspectAsync(id, cancellationToken)).State?.Running == true;
        }
        catch
        {
            DisposeWhenDone(attach);
            throw;
        }

        if (!running)
        {
            DisposeWhenDone(attach);
            throw new DockerContainerNotFoundException(System.Net.HttpStatusCode.NotFound, "the pooled container stopped");
        }

        return await attach;

        static void DisposeWhenDone(Task<MultiplexedStream> pending) =>
            _ = pending.ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    t.Result.Dispose();
                }
                else
                {
                    _ = t.Exception;
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task<MultiplexedStream> PutFilesAndAttachAsync(string id, IReadOnlyList<SandboxFile> files, CancellationToken cancellationToken)
    {
        await _engine.PutFilesAsync(id, files, cancellationToken);
        return await _engine.AttachAsync(id, cancellationToken);
    }

    private async Task<SandboxRun> RunContainerAsync(
        ReadyContainer container, MultiplexedStream stream, string image, SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var id = container.Id;
        using (stream)
        {
            if (container.Nonce is null)
            {
                try
                {
                    await _engine.StartOnceAsync(id, cancellationToken);
                }
                catch (Exception e) when (_engine.Describe(e, image) is { } reason)
                {
                    // Never retried: the program may have started.
                    return new SandboxRun { SetupError = "the sandbox container did not start: " + reason };
                }
            }

            return await SuperviseAsync(id, stream, spec, container.Nonce is { } nonce ? new GateEndFrame(nonce) : null, cancellationToken);
        }
    }

    private async Task<SandboxRun> SuperviseAsync(
        string id, MultiplexedStream stream, SandboxRunSpec spec, GateEndFrame? endFrame, CancellationToken cancellationToken)
    {
        var gated = endFrame is not null;
        var limits = spec.Limits;
        var timeout = TimeSpan.FromMilliseconds(limits.TimeoutMs);
        // Behind the gate the wall clock starts when the gate reports the program started; until then the gate (which
        // only places the files) has the engine's call timeout.
        using var supervisor = new RunSupervisor(gated ? TimeSpan.FromSeconds(_options.EngineTimeoutSeconds) : timeout, _time, cancellationToken);
        using var waitStop = CancellationTokenSource.CreateLinkedTokenSource(supervisor.Stop);

        var output = new DemuxedOutput(
            spec.StdoutCapBytes ?? limits.OutputBytes, limits.OutputBytes, supervisor.Overflowed,
            gated ? ContainerSpec.GateMarker.ToArray() : null, () => supervisor.RestartWall(timeout), endFrame, spec.OutputAllowance);
        var readTask = output.ReadAsync(stream);
        var gateFed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stdinTask = WriteStdinAsync(stream, endFrame is null ? null : GateInput.Build(spec.Files), spec.Stdin, gateFed);
        var waitTask = _engine.Containers.WaitContainerAsync(id, waitStop.Token);

        if (gated)
        {
            // The usual end: the gate's end frame on both streams, long before the engine has handled the container's
            // exit. The frame settles the result only within what GateEndFrame's remarks allow; else the engine decides.
            await Task.WhenAny(output.Ended, waitTask);
            if (output.Ended.IsCompleted && await output.Ended is { Settles: true } end
                && !supervisor.Stop.IsCancellationRequested && output.GateOpened && !output.Overflowed && await gateFed.Task)
            {
                var elapsed = supervisor.Elapsed;
                await waitStop.CancelAsync();
                stream.Dispose();
                await Task.WhenAll(readTask, stdinTask, waitTask.ContinueWith(
                    static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
                cancellationToken.ThrowIfCancellationRequested();
                return new SandboxRun
                {
                    ExitCode = end.Status,
                    Stdout = output.Stdout,
                    Stderr = output.Stderr,
                    DurationMs = (long)elapsed.TotalMilliseconds,
                };
            }
        }

        var killed = false;
        long? status = null;
        try
        {
            status = (await waitTask).StatusCode;
        }
        catch (OperationCanceledException) when (supervisor.Stop.IsCancellationRequested)
        {
            killed = true;
        }
        catch (Exception e) when (_engine.Describe(e, "") is not null)
        {
            // The wait broke (engine hiccup): kill rather than let a run go unsupervised.
            killed = true;
        }

        if (killed)
        {
            await _engine.KillAsync(id);
        }

        var duration = supervisor.Elapsed;

        // The attach stream ends when the container stops.
        await supervisor.DrainAsync(Task.WhenAll(readTask, stdinTask), stream.Dispose);

        cancellationToken.ThrowIfCancellationRequested();

        if (gated && (!output.GateOpened || !await gateFed.Task))
        {
            // The program never started, or may have started without all of its files: our fault, not its verdict.
            var why = !output.GateOpened && killed && supervisor.WallExpired
                ? $"did not start the program within {_options.EngineTimeoutSeconds} s"
                : output.GateOpened ? "did not receive all of the run's files" : $"failed before the program started (exit status {status})";
            return new SandboxRun { SetupError = $"the sandbox container's gate {why}: {Tail(output.Stderr)}".TrimEnd(' ', ':') };
        }

        var oomKilled = false;
        try
        {
            var state = (await _engine.InspectAsync(id, CancellationToken.None)).State;
            oomKilled = state?.OOMKilled ?? false;
            status ??= killed ? null : state?.ExitCode;
        }
        catch (Exception e) when (_engine.Describe(e, "") is { } reason)
        {
            if (!killed && status is null)
            {
                return new SandboxRun { SetupError = "the run's outcome could not be read: " + reason, DurationMs = (long)duration.TotalMilliseconds };
            }
        }

        // The init process exits 128 + n when the program died of signal n.
        return supervisor.Outcome((int?)status, killed, output.Overflowed, oomKilled, output.Stdout, output.Stderr, duration);
    }

    /// <summary>Writes the gate's input (when gated) and the program's stdin, then closes stdin. <paramref name="gateFed"/>
    /// tells, as soon as it is known, whether the gate's input was written in full.</summary>
    private static async Task WriteStdinAsync(MultiplexedStream stream, byte[]? gateInput, byte[]? stdin, TaskCompletionSource<bool> gateFed)
    {
        try
        {
            if (gateInput is not null)
            {
                await stream.WriteAsync(gateInput, 0, gateInput.Length, CancellationToken.None);
            }

            gateFed.TrySetResult(true);
            if (stdin is { Length: > 0 })
            {
                await stream.WriteAsync(stdin, 0, stdin.Length, CancellationToken.None);
            }

            stream.CloseWrite();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The program exited or closed stdin without reading it all: not our concern.
        }
        finally
        {
            gateFed.TrySetResult(false);
        }
    }

    private static string Tail(byte[] stderr)
    {
        var text = System.Text.Encoding.UTF8.GetString(stderr).Trim();
        return text.Length <= 300 ? text : "…" + text[^300..];
    }

    private async Task ReapLeftoversAsync(CancellationToken cancellationToken)
    {
        try
        {
            var dead = new List<global::Docker.DotNet.Models.ContainerListResponse>();
            foreach (var c in await _engine.ListSandboxesAsync(cancellationToken))
            {
                if (!(c.Labels?.TryGetValue(DockerEngine.InstanceLabel, out var owner) == true && owner == _engine.Instance)
                    && await OwnerIdentity.IsDeadOwnerAsync(c.Labels, _engine.OwnContainer, id => _engine.InspectOwnerAsync(id, cancellationToken)))
                {
                    dead.Add(c);
                }
            }

            await Task.WhenAll(dead.Select(c => _engine.RemoveAsync(c.ID)));
            if (dead.Count > 0)
            {
                DockerLog.LeftoversRemoved(_logger, dead.Count);
            }
        }
        catch (Exception e) when (_engine.Describe(e, "") is { } reason)
        {
            DockerLog.ReapFailed(_logger, reason);
        }
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

        await _pool.DisposeAsync();
        _engine.Dispose();
        _readyLock.Dispose();
    }
}
