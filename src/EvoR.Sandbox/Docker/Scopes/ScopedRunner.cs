using System.Text;
using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker.Scopes;

/// <summary>
/// One run in a scope's container (<see cref="ScopeGate"/>), and the clean-up after it. The run's input (files, then its
/// stdin as a file) goes over the container's attach stream; its output is read up to the gate's end frames, under the
/// same caps, output budget and wall clock (from the start marker) as a one-run container's. A run settles on the
/// frames when they came in time, agree, and follow the marker; the frames' exit status and OOM count are the gate's
/// (a program that forges them gains what exiting with that status would give it: see <see cref="GateEndFrame"/>).
/// Anything else (the wall clock, an output cap, the caller's cancellation, a stream that ended without frames) kills
/// the container, settles the run on the engine's word as a one-run container's, and the container is not reused.
/// </summary>
internal sealed class ScopedRunner(DockerEngine engine, DockerSandboxOptions options, TimeProvider time)
{
    /// <summary>The outcome of the run, and whether its container may be cleaned for another run.</summary>
    public async Task<(SandboxRun Run, bool Reusable)> RunAsync(ScopedContainer container, SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var limits = spec.Limits;
        var timeout = TimeSpan.FromMilliseconds(limits.TimeoutMs);
        using var supervisor = new RunSupervisor(TimeSpan.FromSeconds(options.EngineTimeoutSeconds), time, cancellationToken);
        var output = new DemuxedOutput(
            spec.StdoutCapBytes ?? limits.OutputBytes, limits.OutputBytes, supervisor.Overflowed, ContainerSpec.GateMarker.ToArray(),
            () => supervisor.RestartWall(timeout), container.EndFrame, spec.OutputAllowance, stopAtEnd: true);
        container.Runs++;
        var readTask = output.ReadAsync(container.Stream);
        // Not awaited before the end: a gate that stopped reading must not hold the run past its clock.
        var feeding = WriteAsync(container, GateInput.Build(ScopeGate.Files(spec)));
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (supervisor.Stop.Register(() => stopped.TrySetResult()))
        {
            await Task.WhenAny(output.Ended, stopped.Task);
        }

        // A gate that opened has read all of its input, so the write is done or about to be.
        if (output.Ended.IsCompleted && await output.Ended is { } end
            && !supervisor.Stop.IsCancellationRequested && output.GateOpened && !output.Overflowed && await feeding)
        {
            var elapsed = supervisor.Elapsed;
            await readTask;
            var run = supervisor.Outcome(end.Status, killed: false, outputExceeded: false, end.OomKill, output.Stdout, output.Stderr, elapsed);
            // An OOM kill leaves the engine's OOMKilled flag set for the container's life: never reuse one.
            return (run, !end.OomKill);
        }

        return (await SettleOnEngineAsync(container, supervisor, output, Task.WhenAll(readTask, feeding), feeding, cancellationToken), false);
    }

    /// <summary>Asks the gate to clean up and verify (<see cref="ScopeGate"/>) with a token it has never seen; true only for
    /// its exact answer, nothing else on either stream, within the engine's call timeout.</summary>
    public async Task<bool> CleanAsync(ScopedContainer container)
    {
        var token = GateEndFrame.NewNonce();
        if (!await WriteAsync(container, Encoding.ASCII.GetBytes($"clean {token}\n")))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(ScopeGate.CleanAnswer(token));
        var answer = new byte[expected.Length];
        var read = 0;
        try
        {
            var reading = ReadAnswerAsync();
            await reading.WaitAsync(TimeSpan.FromSeconds(options.EngineTimeoutSeconds), time);
            return await reading;
        }
        catch (Exception e) when (e is TimeoutException or IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            return false; // The caller removes the container, which ends the read.
        }

        async Task<bool> ReadAnswerAsync()
        {
            while (read < answer.Length)
            {
                var chunk = await container.Stream.ReadOutputAsync(answer, read, answer.Length - read, CancellationToken.None);
                if (chunk.EOF || chunk.Target != global::Docker.DotNet.MultiplexedStream.TargetStream.StandardOut)
                {
                    return false;
                }

                read += chunk.Count;
                if (!answer.AsSpan(0, read).SequenceEqual(expected.AsSpan(0, read)))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The end of a run that the frames did not settle: the container is killed (it will not be reused) and the
    /// engine says how it ended, as for a one-run container.</summary>
    private async Task<SandboxRun> SettleOnEngineAsync(
        ScopedContainer container, RunSupervisor supervisor, DemuxedOutput output, Task streams, Task<bool> feeding, CancellationToken cancellationToken)
    {
        var killed = supervisor.Stop.IsCancellationRequested;
        long? status = null;
        if (!killed)
        {
            // The stream ended (the gate died: killed by the program, or out of memory) or carried frames not taken:
            // a dead gate's container stops on its own; a live one is killed.
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(supervisor.Stop);
                wait.CancelAfter(TimeSpan.FromSeconds(options.EngineTimeoutSeconds));
                var inspect = await engine.InspectAsync(container.Id, wait.Token);
                if (inspect.State?.Running == true)
                {
                    killed = true;
                }
                else
                {
                    status = (await engine.Containers.WaitContainerAsync(container.Id, wait.Token)).StatusCode;
                }
            }
            catch (Exception e) when (e is OperationCanceledException || engine.Describe(e, "") is not null)
            {
                killed = true;
            }
        }

        var duration = supervisor.Elapsed;
        await engine.KillAsync(container.Id);
        await supervisor.DrainAsync(streams, container.Stream.Dispose);
        cancellationToken.ThrowIfCancellationRequested();
        var fed = await feeding;
        if (!output.GateOpened || !fed)
        {
            var why = !output.GateOpened && killed && supervisor.WallExpired
                ? $"did not start the program within {options.EngineTimeoutSeconds} s"
                : output.GateOpened ? "did not receive all of the run's files" : "failed before the program started";
            return new SandboxRun { SetupError = $"the sandbox container's gate {why}: {EngineSettlement.Tail(output.Stderr)}".TrimEnd(' ', ':') };
        }

        return await EngineSettlement.SettleAsync(engine, container.Id, status, killed, output, supervisor, duration);
    }

    /// <summary>Writes to the gate's stdin (kept open for the container's life); false when the stream is gone.</summary>
    private static async Task<bool> WriteAsync(ScopedContainer container, byte[] bytes)
    {
        try
        {
            await container.Stream.WriteAsync(bytes, 0, bytes.Length, CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
