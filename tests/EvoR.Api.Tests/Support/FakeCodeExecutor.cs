using EvoR.Sandbox;
using EvoR.Sandbox.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Api.Tests.Support;

/// <summary>
/// Stands in for the sandbox: resolves limits through the real <see cref="LimitsPolicy"/> (so range errors are the
/// real ones), records to the real sandbox meter, and answers with <see cref="Respond"/> (default: Passed).
/// </summary>
public sealed class FakeCodeExecutor : ICodeExecutor
{
    private LimitsPolicy? _limits;
    private SandboxTelemetry? _telemetry;

    public string Backend => "fake";

    /// <summary>The answer to give; may throw (ExecutionRequestException, SandboxBusyException…).</summary>
    public Func<ExecutionRequest, ExecutionLimits, ExecutionResult> Respond { get; set; } = (request, limits) => Result(request, limits, Verdict.Passed);

    public ExecutionRequest? LastRequest { get; private set; }

    public static ExecutionResult Result(ExecutionRequest request, ExecutionLimits limits, Verdict verdict, string? message = null) => new()
    {
        Verdict = verdict,
        ExitCode = verdict == Verdict.Passed ? 0 : 1,
        Stdout = "1\n",
        DurationMs = 12,
        Limits = limits,
        Backend = "fake",
        Language = request.Language,
        Message = message,
    };

    internal FakeCodeExecutor Attach(IServiceProvider services)
    {
        _limits = services.GetRequiredService<LimitsPolicy>();
        _telemetry = services.GetRequiredService<SandboxTelemetry>();
        return this;
    }

    public Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        LastRequest = request;
        var limits = _limits!.Resolve(request.Limits);
        var result = Respond(request, limits);
        _telemetry!.RecordExecution(result.Language, result.Verdict, Backend, TimeSpan.FromMilliseconds(result.DurationMs));
        return Task.FromResult(result);
    }
}
