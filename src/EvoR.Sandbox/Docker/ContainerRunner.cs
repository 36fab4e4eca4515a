using Docker.DotNet;
using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// One run in one prepared container: attach (for a gated container, while an inspect checks that its gate still runs)
/// or put the files through the archive API and attach, start a created container once, write the gate's input and the
/// program's stdin, read the output under its caps and settle the run: on the gate's end frame where
/// <see cref="GateEndFrame"/> allows it, else on the engine's wait and inspect (exit status, <c>OOMKilled</c>). The wall
/// timer and the kill are here, in the service.
/// </summary>
internal sealed class ContainerRunner(DockerEngine engine, DockerSandboxOptions options, TimeProvider time)
{
    /// <summary>Attaches to a gated container while checking, in parallel, that its gate still runs (nothing has been
    /// written to it yet, so a stopped one can be replaced).</summary>
    public async Task<MultiplexedStream> AttachToGateAsync(string id, CancellationToken cancellationToken)
    {
        var attach = engine.AttachAsync(id, cancellationToken);
        bool running;
        try
        {
            running = (await engine.InspectAsync(id, cancellationToken)).State?.Running == true;
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

    public async Task<MultiplexedStream> PutFilesAndAttachAsync(string id, IReadOnlyList<SandboxFile> files, CancellationToken cancellationToken)
    {
        await engine.PutFilesAsync(id, files, cancellationToken);
        return await engine.AttachAsync(id, cancellationToken);
    }

    public async Task<SandboxRun> RunContainerAsync(
        ReadyContainer container, MultiplexedStream stream, string image, SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var id = container.Id;
        using (stream)
        {
            if (container.Nonce is null)
            {
                try
                {
                    await engine.StartOnceAsync(id, cancellationToken);
                }
                catch (Exception e) when (engine.FailedRun(e, image, "the sandbox container did not start: ") is { } failed)
                {
                    // Never retried: the program may have started.
                    return failed;
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
        using var supervisor = new RunSupervisor(gated ? TimeSpan.FromSeconds(options.EngineTimeoutSeconds) : timeout, time, cancellationToken);
        using var waitStop = CancellationTokenSource.CreateLinkedTokenSource(supervisor.Stop);

        var output = new DemuxedOutput(
            spec.StdoutCapBytes ?? limits.OutputBytes, limits.OutputBytes, supervisor.Overflowed,
            gated ? ContainerSpec.GateMarker.ToArray() : null, () => supervisor.RestartWall(timeout), endFrame, spec.OutputAllowance);
        var readTask = output.ReadAsync(stream);
        var gateFed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stdinTask = WriteStdinAsync(stream, endFrame is null ? null : GateInput.Build(spec.Files), spec.Stdin, gateFed);
        var waitTask = engine.Containers.WaitContainerAsync(id, waitStop.Token);

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
        catch (Exception e) when (engine.Describe(e, "") is not null)
        {
            // The wait broke (engine hiccup): kill rather than let a run go unsupervised.
            killed = true;
        }

        if (killed)
        {
            await engine.KillAsync(id);
        }

        var duration = supervisor.Elapsed;

        // The attach stream ends when the container stops.
        await supervisor.DrainAsync(Task.WhenAll(readTask, stdinTask), stream.Dispose);

        cancellationToken.ThrowIfCancellationRequested();

        if (gated && (!output.GateOpened || !await gateFed.Task))
        {
            // The program never started, or may have started without all of its files: our fault, not its verdict.
            var why = !output.GateOpened && killed && supervisor.WallExpired
                ? $"did not start the program within {options.EngineTimeoutSeconds} s"
                : output.GateOpened ? "did not receive all of the run's files" : $"failed before the program started (exit status {status})";
            return new SandboxRun { SetupError = $"the sandbox container's gate {why}: {EngineSettlement.Tail(output.Stderr)}".TrimEnd(' ', ':') };
        }

        return await EngineSettlement.SettleAsync(engine, id, status, killed, output, supervisor, duration);
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
}
