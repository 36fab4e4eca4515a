using EvoR.Api.Generations;
using EvoR.Pipeline.Knowledge;
using Microsoft.Extensions.Options;

namespace EvoR.Api.KnowledgeBases;

/// <summary>
/// Removes job overlays <c>Knowledge:OverlayRetention</c> after their job ended, every
/// <c>Knowledge:OverlaySweepInterval</c>. An overlay whose job is queued or running is kept; one whose job this
/// service does not know (made elsewhere, or its job's database gone) counts from its own creation.
/// </summary>
internal sealed class OverlaySweeper(
    IKnowledgeBaseStore store,
    IGenerationStore jobs,
    IOptions<KnowledgeOptions> options,
    TimeProvider time,
    ILogger<OverlaySweeper> logger) : BackgroundService
{
    /// <summary>One sweep: the overlays removed.</summary>
    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken)
    {
        var retention = options.Value.OverlayRetention;
        var now = time.GetUtcNow();
        var removed = new List<string>();
        foreach (var overlay in await store.ListOverlaysAsync(null, cancellationToken))
        {
            var endedAt = overlay.CreatedAt;
            if (overlay.JobId is { } jobId && await jobs.GetAsync(jobId, cancellationToken) is { } job)
            {
                if (!job.Status.IsTerminal())
                {
                    continue;
                }

                endedAt = job.FinishedAt ?? job.CreatedAt;
            }

            if (now - endedAt < retention)
            {
                continue;
            }

            try
            {
                await store.DeleteAsync(overlay.Name, cancellationToken);
                removed.Add(overlay.Name);
                KnowledgeApiLog.OverlaySwept(logger, overlay.Name, overlay.JobId, retention);
            }
            catch (KnowledgeException ex) when (ex.Kind == KnowledgeErrorKind.UnknownBase)
            {
                // Deleted meanwhile (with its base, or by its owner).
            }
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.OverlaySweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                KnowledgeApiLog.SweepFailed(logger, ex);
            }
        }
    }
}
