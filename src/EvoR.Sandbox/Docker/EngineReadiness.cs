using Microsoft.Extensions.Logging;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// Whether the engine answers, checked once it does (and until then at most every two seconds), and the removal of
/// containers that dead owners left (<see cref="OwnerIdentity"/>) before this instance creates any.
/// </summary>
internal sealed class EngineReadiness(DockerEngine engine, DockerSandboxOptions options, TimeProvider time, ILogger logger) : IDisposable
{
    private static readonly TimeSpan RetryReadyAfter = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _readyLock = new(1, 1);
    private volatile bool _ready;
    private (string Reason, long At)? _notReady;

    /// <summary>Whether the engine answered (and leftovers were handled).</summary>
    public bool Ready => _ready;

    /// <summary>Checks the engine (and removes leftovers) once it answers; null when ready, else why not. A failure is
    /// remembered for two seconds, then the engine is asked again (it may have come up).</summary>
    public async Task<string?> EnsureAsync(CancellationToken cancellationToken = default)
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

            if (_notReady is { } last && time.GetElapsedTime(last.At) < RetryReadyAfter)
            {
                return last.Reason;
            }

            try
            {
                var version = await engine.VersionAsync(cancellationToken);
                await engine.IdentifyOwnContainerAsync(cancellationToken);
                if (options.ReapLeftovers)
                {
                    await ReapLeftoversAsync(cancellationToken);
                }

                DockerLog.Ready(logger, version.Version, version.APIVersion, engine.Endpoint, options.Runtime ?? "default", options.PoolSize);
                _ready = true;
                _notReady = null;
                return null;
            }
            catch (Exception e) when (engine.Describe(e, "") is { } reason)
            {
                DockerLog.Unavailable(logger, reason);
                _notReady = (reason, time.GetTimestamp());
                return reason;
            }
        }
        finally
        {
            _readyLock.Release();
        }
    }

    private async Task ReapLeftoversAsync(CancellationToken cancellationToken)
    {
        try
        {
            var dead = new List<global::Docker.DotNet.Models.ContainerListResponse>();
            foreach (var c in await engine.ListSandboxesAsync(cancellationToken))
            {
                if (!(c.Labels?.TryGetValue(DockerEngine.InstanceLabel, out var owner) == true && owner == engine.Instance)
                    && await OwnerIdentity.IsDeadOwnerAsync(c.Labels, engine.OwnContainer, id => engine.InspectOwnerAsync(id, cancellationToken)))
                {
                    dead.Add(c);
                }
            }

            await Task.WhenAll(dead.Select(c => engine.RemoveAsync(c.ID)));
            if (dead.Count > 0)
            {
                DockerLog.LeftoversRemoved(logger, dead.Count);
            }
        }
        catch (Exception e) when (engine.Describe(e, "") is { } reason)
        {
            DockerLog.ReapFailed(logger, reason);
        }
    }

    public void Dispose() => _readyLock.Dispose();
}
