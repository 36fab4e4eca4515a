using System.Text;
using EvoR.Api.Auth;
using EvoR.Api.RateLimiting;
using EvoR.Api.Telemetry;
using EvoR.Sandbox;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Languages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EvoR.Api.Executions;

/// <summary><c>POST /v1/executions</c>: run a program in the sandbox and return its verdict.</summary>
public static class ExecutionsApi
{
    private const string LogCategory = "EvoR.Api.Executions";

    public static IEndpointRouteBuilder MapExecutionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/executions")
            .WithTags("Executions")
            .RequireApiKey()
            .RequirePerKeyRateLimit();

        group.MapPost("", ExecuteAsync)
            .WithName("CreateExecution")
            .WithSummary("Run a program in the sandbox")
            .WithDescription(
                "Runs the code (compile step, then the run or the tests) in an isolated sandbox and returns the verdict " +
                "with output, timings and the limits applied. The program's own failure is a 200 with its verdict " +
                "(Failed, RuntimeError, TimeLimitExceeded…); only faults of the service are 5xx: 503 sandbox-busy or " +
                "sandbox-unavailable (an engine down) with Retry-After when a retry may pass, 500 sandbox-error when it " +
                "will not until the installation is fixed.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status500InternalServerError)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/batch", ExecutionBatchApi.ExecuteBatchAsync)
            .WithName("CreateExecutionBatch")
            .WithSummary("Run several programs in the sandbox")
            .WithDescription(
                "Runs up to Sandbox:MaxBatchExecutions executions, each in the format of POST /v1/executions, in parallel " +
                "within the sandbox's pool, and returns their results in the same order. Every item is checked before any " +
                "runs: an invalid one is a 400 whose field names its index (executions[3].code). A sandboxError item is a " +
                "result like any other.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<ExecutionResult>, ValidationProblem, ProblemHttpResult>> ExecuteAsync(
        [FromBody] ExecutionRequestBody? body,
        [FromServices] ICodeExecutor executor,
        [FromServices] ILoggerFactory loggerFactory,
        HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return ExecutionProblems.EmptyBody();
        }

        var errors = body.MissingMembers();
        if (errors.Count > 0)
        {
            return ExecutionProblems.Validation(errors);
        }

        var logger = loggerFactory.CreateLogger(LogCategory);
        var request = body.ToRequest();
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ApiLog.ExecutionRequested(
                logger, request.Language, Encoding.UTF8.GetByteCount(request.Code),
                Encoding.UTF8.GetByteCount(request.Stdin ?? ""), request.Tests switch
                {
                    ScriptTests => "script",
                    IoTests io => $"io ({io.Cases.Count} cases)",
                    _ => "none",
                });
        }

        ExecutionResult result;
        try
        {
            result = await executor.ExecuteAsync(request, cancellationToken);
        }
        catch (ExecutionRequestException error)
        {
            var problem = ExecutionProblems.RequestError(
                error, httpContext.RequestServices.GetService<LanguageCatalog>(), httpContext.RequestServices.GetService<NamedLibraries>());
            ApiLog.ExecutionRefused(logger, problem.ProblemDetails.Type!, error.Field);
            return problem;
        }
        catch (SandboxBusyException busy)
        {
            ApiLog.SandboxBusy(logger, ExecutionProblems.RetryAfterSeconds(busy.RetryAfter));
            return ExecutionProblems.SandboxBusy(busy, httpContext);
        }

        if (result.Verdict == Verdict.SandboxError)
        {
            ApiLog.SandboxFailed(logger, result.Language, result.Message);
            return ExecutionProblems.SandboxError(result, httpContext);
        }

        ApiLog.ExecutionFinished(logger, result.Language, result.Verdict.ToString(), result.DurationMs, result.Backend);
        return TypedResults.Ok(result);
    }
}
