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

    /// <summary>Trust scopes opened and ended (<see cref="ICodeExecutor.OpenScope"/>), and the scope each request ran in
    /// (0: none).</summary>
    public int ScopesOpened => _scopesOpened;

    public int ScopesEnded => _scopesEnded;

    public System.Collections.Concurrent.ConcurrentDictionary<string, int> ScopeOfCode { get; } = new(StringComparer.Ordinal);

    private int _scopesOpened;
    private int _scopesEnded;

    public IExecutionScope OpenScope() => new Scope(this, Interlocked.Increment(ref _scopesOpened));

    private sealed class Scope(FakeCodeExecutor fake, int id) : IExecutionScope
    {
        public string Backend => fake.Backend;

        public IExecutionScope OpenScope() => this;

        public Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
        {
            fake.ScopeOfCode[request.Code] = id;
            return fake.ExecuteAsync(request, cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref fake._scopesEnded);
            return ValueTask.CompletedTask;
        }
    }
}
