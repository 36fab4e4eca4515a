namespace EvoR.Api.Generations.Postgres;

/// <summary>Logs of the PostgreSQL store and queue (event ids 1220–1229, in the generations' range).</summary>
internal static partial class PostgresGenerationLog
{
    [LoggerMessage(1220, LogLevel.Information, "Generations on {Location} as replica {ReplicaId} (lease {LeaseSeconds} s)")]
    public static partial void Joined(ILogger logger, string location, string replicaId, int leaseSeconds);

    [LoggerMessage(1221, LogLevel.Warning, "Could not claim a queued generation (retrying in {RetrySeconds} s)")]
    public static partial void ClaimFailed(ILogger logger, double retrySeconds, Exception error);

    [LoggerMessage(1222, LogLevel.Warning, "Generation {JobId}: this replica's lease was lost (another replica ended the job); its run here stops")]
    public static partial void LeaseLost(ILogger logger, string jobId);

    [LoggerMessage(1223, LogLevel.Warning, "Generation leases could not be renewed or recovered (retrying in {RetrySeconds} s)")]
    public static partial void LeaseRoundFailed(ILogger logger, double retrySeconds, Exception error);

    [LoggerMessage(1224, LogLevel.Warning, "Generations: {Count} job(s) whose replica stopped renewing its lease marked interrupted: {JobIds}")]
    public static partial void LeasesRecovered(ILogger logger, int count, string jobIds);

    [LoggerMessage(1225, LogLevel.Warning, "Generations: the LISTEN connection failed; event streams and workers fall back to polling until it is back (retrying in {RetrySeconds} s)")]
    public static partial void ListenFailed(ILogger logger, double retrySeconds, Exception error);
}
