using Microsoft.Extensions.Options;
using Npgsql;

namespace EvoR.Api.Generations.Postgres;

/// <summary>
/// What a replica does besides running jobs, with <c>Generations:Store=postgres</c> (nothing otherwise): it listens
/// for NOTIFY (an event of any job wakes that job's streams here; a queued job wakes a worker; a cancellation reaches
/// the job if it runs here), and every third of the lease it renews its leases and ends, interrupted, the running jobs
/// of replicas that stopped renewing theirs.
/// </summary>
internal sealed class PostgresGenerationCoordinator(
    IServiceProvider services,
    IOptions<GenerationOptions> options,
    TimeProvider time,
    ILogger<PostgresGenerationCoordinator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.UsesPostgres)
        {
            return;
        }

        // Off the caller's thread: ExecuteAsync must return to let the host go on starting.
        await Task.Yield();
        var database = services.GetRequiredService<PostgresGenerationDatabase>();
        var queue = services.GetRequiredService<PostgresGenerationQueue>();
        var hub = services.GetRequiredService<GenerationEventHub>();
        await services.GetRequiredService<GenerationService>().EnsureReadyAsync(stoppingToken);
        PostgresGenerationLog.Joined(logger, database.Location, database.ReplicaId, database.LeaseSeconds);
        try
        {
            await Task.WhenAll(ListenAsync(database, queue, hub, stoppingToken), KeepLeasesAsync(queue, hub, stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ListenAsync(PostgresGenerationDatabase database, PostgresGenerationQueue queue, GenerationEventHub hub,
        CancellationToken stoppingToken)
    {
        var retry = TimeSpan.FromSeconds(options.Value.Postgres.PollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    switch (e.Channel)
                    {
                        case PostgresGenerationDatabase.EventsChannel:
                            hub.Notify(e.Payload);
                            break;
                        case PostgresGenerationDatabase.QueuedChannel:
                            queue.Wake();
                            break;
                        case PostgresGenerationDatabase.CancelsChannel:
                            queue.CancelHere(e.Payload);
                            break;
                    }
                };
                await using (var listen = new NpgsqlCommand(
                    $"LISTEN {PostgresGenerationDatabase.EventsChannel}; LISTEN {PostgresGenerationDatabase.QueuedChannel}; " +
                    $"LISTEN {PostgresGenerationDatabase.CancelsChannel};", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Whatever happened while nobody listened: every stream and an idle worker look at the store again.
                hub.NotifyAll();
                queue.Wake();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever broke the connection (the server restarted, the network): never the replica's end.
                PostgresGenerationLog.ListenFailed(logger, retry.TotalSeconds, ex);
                await Task.Delay(retry, time, stoppingToken);
            }
        }
    }

    private async Task KeepLeasesAsync(PostgresGenerationQueue queue, GenerationEventHub hub, CancellationToken stoppingToken)
    {
        var store = services.GetRequiredService<IGenerationStore>();
        var every = TimeSpan.FromSeconds(options.Value.Postgres.LeaseSeconds / 3.0);
        using var timer = new PeriodicTimer(every, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await queue.RenewLeasesAsync(stoppingToken);
                var (interrupted, _) = await store.RecoverAsync(
                    job => new GenerationOutcome(GenerationStatus.Interrupted, null, null, job.Usage, GenerationErrors.LeaseLost),
                    GenerationJobRunner.EndEvent, stoppingToken);
                foreach (var id in interrupted)
                {
                    hub.Notify(id);
                }

                if (interrupted.Count > 0)
                {
                    PostgresGenerationLog.LeasesRecovered(logger, interrupted.Count, string.Join(", ", interrupted));
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The next round tries again; meanwhile the leases run on for the rest of their length.
                PostgresGenerationLog.LeaseRoundFailed(logger, every.TotalSeconds, ex);
            }
        }
    }
}
