using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Execution;

/// <summary>
/// The executions of one trust scope (<see cref="SandboxScope"/>) through one <see cref="CodeExecutor"/>: same pool,
/// validation and verdicts, each run carrying the scope so that the backend may reuse a verified-clean sandbox among
/// them. Disposing it ends the scope (the backend removes what it kept); executions still under way finish normally and
/// give their sandbox up.
/// </summary>
internal sealed class ExecutionScope(CodeExecutor executor, SandboxScope scope) : IExecutionScope
{
    private int _ended;

    public SandboxScope Scope => scope;

    public string Backend => executor.Backend;

    public int Concurrency => executor.Concurrency;

    public Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default) =>
        executor.ExecuteAsync(request, scope, cancellationToken);

    public void Check(ExecutionRequest request) => executor.Validate(request);

    /// <summary>The same scope; disposing the one returned ends nothing.</summary>
    public IExecutionScope OpenScope() => new UnscopedExecution(this);

    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _ended, 1) == 0 ? executor.EndScopeAsync(scope) : ValueTask.CompletedTask;
}
