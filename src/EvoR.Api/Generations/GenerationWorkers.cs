using System.Data.Common;
using EvoR.Api.Auth;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations;

/// <summary>The worker pool: <c>Generations:Workers</c> loops that take jobs from the queue, one at a time each.
/// Before they start, jobs left over from the last run of the service are recovered.</summary>
internal sealed class GenerationWorkers(
    GenerationService jobs,
    IGenerationQueue queue,
    GenerationJobRunner runner,
    IOptions<GenerationOptions> options) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await jobs.EnsureReadyAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or IOException or UnauthorizedAccessException or TimeoutException)
        {
            // A database that cannot be opened is a setting to change, not a crash.
            throw new StartupRefusedException(options.Value.UsesPostgres
                ? $"the generations database {jobs.StoreLocation} cannot be opened ({ex.Message}); check ConnectionStrings:EvoR " +
                  "(environment ConnectionStrings__EvoR) and that PostgreSQL answers there."
                : $"the generations database {jobs.StoreLocation} cannot be opened ({ex.Message}); set Generations:DatabasePath " +
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
        while (!stoppingToken.IsCancellationRequested)
        {
            GenerationClaim claim;
            try
            {
                claim = await queue.ClaimNextAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping: jobs still queued stay queued in the store, for the next start or another replica.
                return;
            }

            await runner.RunAsync(claim, stoppingToken);
        }
    }
}
