using EvoR.Api.Auth;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations;

/// <summary>The worker pool: <c>Generations:Workers</c> loops that take jobs from the queue, one at a time each.
/// Before they start, jobs left over from the last run of the service are recovered.</summary>
internal sealed class GenerationWorkers(
    GenerationService jobs,
    GenerationQueue queue,
    GenerationJobRunner runner,
    IOptions<GenerationOptions> options) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await jobs.EnsureReadyAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            // A database that cannot be opened is a setting to change, not a crash.
            throw new StartupRefusedException(
                $"the generations database {jobs.DatabasePath} cannot be opened ({ex.Message}); set Generations:DatabasePath " +
                "to a file in a writable folder (in a read-only container, on a volume).");
        }

        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Workers).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        // Off the caller's thread: ExecuteAsync must return to let the host go on starting.
        await Task.Yield();
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (!stoppingToken.IsCancellationRequested && queue.Reader.TryRead(out var id))
                {
                    await runner.RunAsync(id, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: jobs still queued stay queued in the store and are queued again at the next start.
        }
    }
}
