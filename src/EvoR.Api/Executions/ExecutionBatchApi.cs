using System.Globalization;
using EvoR.Api.Problems;
using EvoR.Api.Telemetry;
using EvoR.Sandbox;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Languages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Executions;

/// <summary>Body of <c>POST /v1/executions/batch</c>.</summary>
public sealed record ExecutionBatchRequestBody
{
    /// <summary>The executions, each the body of <c>POST /v1/executions</c>; 1 to <c>Sandbox:MaxBatchExecutions</c>.</summary>
    public IReadOnlyList<ExecutionRequestBody?>? Executions { get; init; }
}

/// <summary>Answer of <c>POST /v1/executions/batch</c>.</summary>
public sealed record ExecutionBatchResult
{
    /// <summary>One result per execution, in the request's order (a <c>sandboxError</c> item included).</summary>
    public required IReadOnlyList<ExecutionResult> Results { get; init; }
}

/// <summary>
/// <c>POST /v1/executions/batch</c>: many executions in one request. Every item is checked before any runs, so an
/// invalid one costs nothing and is named by its index; then they run in parallel, at most the pool's concurrency of
/// them at once (so a batch alone never overflows the sandbox's queue), and their results come back in order. The batch is
/// one trust scope (<see cref="ICodeExecutor.OpenScope"/>): on Docker its items reuse verified-clean containers.
/// </summary>
internal static class ExecutionBatchApi
{
    private const string LogCategory = "EvoR.Api.Executions";

    internal static async Task<Results<Ok<ExecutionBatchResult>, ValidationProblem, ProblemHttpResult>> ExecuteBatchAsync(
        [FromBody] ExecutionBatchRequestBody? body,
        [FromServices] ICodeExecutor executor,
        [FromServices] IOptions<SandboxOptions> options,
        [FromServices] ILoggerFactory loggerFactory,
        HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return ExecutionProblems.EmptyBody();
        }

        var items = body.Executions;
        if (items is null || items.Count == 0)
        {
            return ExecutionProblems.Validation(new Dictionary<string, string[]>
            {
                ["executions"] = ["At least one execution is required: { \"executions\": [ { \"language\": …, \"code\": … } ] }."],
            });
        }

        var max = options.Value.MaxBatchExecutions;
        if (items.Count > max)
        {
            return ProblemDetailsExtensions.Problem(
                StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, "Payload too large",
                $"The batch has {items.Count} executions; the limit is {max} (Sandbox:MaxBatchExecutions).",
                [new("field", "executions")]);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var prefix = Item(i);
            if (items[i] is not { } item)
            {
                errors[prefix] = ["An execution is an object with at least 'language' and 'code'."];
                continue;
            }

            foreach (var (field, messages) in item.MissingMembers(prefix + "."))
            {
                errors[field] = messages;
            }
        }

        if (errors.Count > 0)
        {
            return ExecutionProblems.Validation(errors);
        }

        var logger = loggerFactory.CreateLogger(LogCategory);
        var requests = items.Select(item => item!.ToRequest()).ToList();
        for (var i = 0; i < requests.Count; i++)
        {
            try
            {
                executor.Check(requests[i]);
            }
            catch (ExecutionRequestException error)
            {
                return Refused(error, i, logger, httpContext);
            }
        }

        // One batch is one trust scope (one caller's one request): the backend may reuse a sandbox among its items once it
        // has verified it clean, never beyond them; the scope ends with the request.
        await using var batch = executor.OpenScope();
        var results = new ExecutionResult[requests.Count];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(Math.Max(1, executor.Concurrency));
        Exception? failure = null;
        var failedAt = -1;
        await Task.WhenAll(requests.Select(async (request, i) =>
        {
            try
            {
                await gate.WaitAsync(stop.Token);
                try
                {
                    results[i] = await batch.ExecuteAsync(request, stop.Token);
                }
                finally
                {
                    gate.Release();
                }
            }
            catch (Exception e) when (e is ExecutionRequestException or SandboxBusyException)
            {
                if (Interlocked.CompareExchange(ref failure, e, null) is null)
                {
                    failedAt = i;
                    await stop.CancelAsync();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Another item failed the batch.
            }
        }));
        cancellationToken.ThrowIfCancellationRequested();

        switch (failure)
        {
            case ExecutionRequestException error:
                return Refused(error, failedAt, logger, httpContext);
            case SandboxBusyException busy:
                // Nothing of the batch is answered: the client retries it whole, after the queue has room again.
                ApiLog.SandboxBusy(logger, ExecutionProblems.RetryAfterSeconds(busy.RetryAfter));
                return ExecutionProblems.SandboxBusy(busy, httpContext);
        }

        foreach (var result in results)
        {
            ApiLog.ExecutionFinished(logger, result.Language, result.Verdict.ToString(), result.DurationMs, result.Backend);
        }

        return TypedResults.Ok(new ExecutionBatchResult { Results = results });
    }

    private static string Item(int index) => string.Create(CultureInfo.InvariantCulture, $"executions[{index}]");

    /// <summary>The item's refusal as the problem of a single execution, its field and detail led by the item's index.</summary>
    private static ProblemHttpResult Refused(ExecutionRequestException error, int index, ILogger logger, HttpContext httpContext)
    {
        var prefix = Item(index);
        var located = new ExecutionRequestException(
            error.Kind, $"{prefix}: {error.Message}", error.Field is null ? prefix : $"{prefix}.{error.Field}");
        var problem = ExecutionProblems.RequestError(
            located, httpContext.RequestServices.GetService<LanguageCatalog>(), httpContext.RequestServices.GetService<NamedLibraries>());
        ApiLog.ExecutionRefused(logger, problem.ProblemDetails.Type!, located.Field);
        return problem;
    }
}
