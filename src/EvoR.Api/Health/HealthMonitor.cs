using EvoR.Api.Telemetry;
using EvoR.Pipeline.Knowledge;
using EvoR.Sandbox;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Health;

/// <summary>
/// Probes every dependency in the background (sandbox, knowledge store, LLM endpoint, PostgreSQL when a store uses it), every
/// <see cref="HealthOptions.ProbeIntervalSeconds"/>, and keeps the last result, so that health requests answer at once
/// and a client that gives up cancels nothing. Only the very first request, before the first probe has finished,
/// waits for it (bounded by <see cref="HealthOptions.ProbeTimeoutSeconds"/>).
/// </summary>
internal sealed class HealthMonitor(
    ISandboxHealthProbe sandbox,
    IKnowledgeBaseStore knowledge,
    LlmReachabilityProbe llm,
    PostgresReadinessProbe postgres,
    IOptions<HealthOptions> options,
    TimeProvider time,
    ILogger<HealthMonitor> logger) : BackgroundService
{
    private readonly TaskCompletionSource<HealthSnapshot> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HealthSnapshot? _latest;
    private int _probes;

    /// <summary>The last probe's result; null before the first has finished.</summary>
    public HealthSnapshot? Latest => Volatile.Read(ref _latest);

    /// <summary>How many probes have finished.</summary>
    public int Probes => Volatile.Read(ref _probes);

    /// <summary>The last result at once; before the first probe has finished, that probe's result. Cancelling waits
    /// no longer but leaves the probe running.</summary>
    public Task<HealthSnapshot> GetAsync(CancellationToken cancellationToken) =>
        Latest is { } latest ? Task.FromResult(latest) : _first.Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.ProbeIntervalSeconds);
        string? lastLlmStatus = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            HealthSnapshot snapshot;
            try
            {
                snapshot = await ProbeAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            Volatile.Write(ref _latest, snapshot);
            Interlocked.Increment(ref _probes);
            _first.TrySetResult(snapshot);
            if (snapshot.Llm.Status != lastLlmStatus)
            {
                // At start, and whenever the model's reachability changes.
                LogLlm(snapshot.Llm);
                lastLlmStatus = snapshot.Llm.Status;
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<HealthSnapshot> ProbeAsync(CancellationToken stoppingToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.ProbeTimeoutSeconds);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        cts.CancelAfter(timeout);
        var sandboxTask = SandboxAsync(timeout, cts.Token);
        var knowledgeTask = KnowledgeAsync(timeout, cts.Token);
        var llmTask = llm.CheckAsync(cts.Token);
        var databaseTask = postgres.CheckAsync(cts.Token);
        await Task.WhenAll(sandboxTask, knowledgeTask, llmTask, databaseTask).WaitAsync(timeout + TimeSpan.FromSeconds(1), time, stoppingToken)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // A check still running after its time is over is told to stop; its result no longer counts.
        await cts.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
        var sandboxReport = sandboxTask.IsCompletedSuccessfully ? sandboxTask.Result : Unhealthy("The sandbox health probe failed.");
        var knowledgeCheck = knowledgeTask.IsCompletedSuccessfully
            ? knowledgeTask.Result
            : new DependencyCheck { Healthy = false, Message = "The knowledge store check failed." };
        var llmCheck = llmTask.IsCompletedSuccessfully
            ? llmTask.Result
            : new LlmCheck { Status = LlmCheckStatus.Unreachable, Healthy = false, Provider = "unknown", Message = "The LLM check failed." };
        var databaseCheck = databaseTask.IsCompletedSuccessfully
            ? databaseTask.Result
            : new DependencyCheck { Healthy = false, Message = $"PostgreSQL did not answer within {timeout.TotalSeconds:0} s (setting Health:ProbeTimeoutSeconds)." };
        return new HealthSnapshot
        {
            Ready = sandboxReport.Healthy && knowledgeCheck.Healthy && llmCheck.Healthy && (databaseCheck?.Healthy ?? true),
            CheckedAt = time.GetUtcNow(),
            Sandbox = sandboxReport,
            Knowledge = knowledgeCheck,
            Llm = llmCheck,
            Database = databaseCheck,
        };
    }

    private async Task<SandboxHealthReport> SandboxAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            // WaitAsync: a probe that ignores cancellation still ends this check in time.
            return await sandbox.CheckAsync(cancellationToken).WaitAsync(timeout, time, cancellationToken);
        }
        catch (Exception error) when (error is TimeoutException or OperationCanceledException)
        {
            return Unhealthy($"The sandbox health probe did not finish within {timeout.TotalSeconds:0} s (setting Health:ProbeTimeoutSeconds).");
        }
        catch (Exception error)
        {
            ApiLog.HealthProbeFailed(logger, error);
            return Unhealthy("The sandbox health probe failed; see the service log.");
        }
    }

    private async Task<DependencyCheck> KnowledgeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var bases = await knowledge.ListAsync(cancellationToken).WaitAsync(timeout, time, cancellationToken);
            return new DependencyCheck { Healthy = true, Message = $"{bases.Count} knowledge base(s)." };
        }
        catch (Exception error) when (error is TimeoutException or OperationCanceledException)
        {
            return new DependencyCheck { Healthy = false, Message = $"The knowledge store did not answer within {timeout.TotalSeconds:0} s." };
        }
        catch (Exception error)
        {
            ApiLog.KnowledgeCheckFailed(logger, error);
            return new DependencyCheck { Healthy = false, Message = "The knowledge store could not be read; see the service log." };
        }
    }

    private static SandboxHealthReport Unhealthy(string message) =>
        new() { Backend = "unknown", Healthy = false, Message = message };

    private void LogLlm(LlmCheck check)
    {
        switch (check.Status)
        {
            case LlmCheckStatus.Answered:
                ApiLog.LlmAnswered(logger, check.Endpoint ?? "", check.Model ?? "", check.LatencyMs ?? 0);
                break;
            case LlmCheckStatus.Reachable:
                ApiLog.LlmReachable(logger, check.Endpoint ?? "", check.StatusCode ?? 0);
                break;
            case LlmCheckStatus.Refused or LlmCheckStatus.Unreachable:
                ApiLog.LlmUnreachable(logger, check.Endpoint ?? "", check.Message ?? "");
                break;
            case LlmCheckStatus.NotConfigured:
                ApiLog.NoLlmConfigured(logger, check.Message ?? "");
                break;
            default:
                ApiLog.LlmWithoutEndpoint(logger, check.Status, check.Message ?? "");
                break;
        }
    }
}
