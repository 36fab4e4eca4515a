namespace EvoR.Sandbox;

/// <summary>
/// The front door of the sandbox: validates a request, waits for a slot in the bounded pool, runs the program
/// (compile step and tests included) on the configured backend, and returns a verdict.
/// </summary>
public interface ICodeExecutor
{
    /// <summary>Name of the backend that runs programs (<c>process</c> or <c>docker</c>).</summary>
    string Backend { get; }

    /// <summary>Runs a request. The program's own failures are verdicts, never exceptions.</summary>
    /// <exception cref="ExecutionRequestException">The request is invalid (unknown language, limits out of range…).</exception>
    /// <exception cref="SandboxBusyException">The pool and its queue are full; try again later.</exception>
    Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Checks a request without running it (a batch refuses an invalid item before any item runs). An executor
    /// without its own checks accepts every request here and refuses in <see cref="ExecuteAsync"/>.</summary>
    /// <exception cref="ExecutionRequestException">The request is invalid.</exception>
    void Check(ExecutionRequest request)
    {
    }

    /// <summary>Executions that run at once (a batch keeps at most this many of its items in flight). Default: the cores.</summary>
    int Concurrency => System.Environment.ProcessorCount;

    /// <summary>Opens a trust scope: the executions run through it belong to one principal's one piece of work (a
    /// generation job, a benchmark sample, a batch request), and the backend may reuse a sandbox among them once it has
    /// verified it clean, never beyond them. Dispose it when that work ends (its sandboxes are removed). Default: a scope
    /// that runs each execution as this executor does.</summary>
    IExecutionScope OpenScope() => new UnscopedExecution(this);
}

/// <summary>An executor whose executions share one trust scope (<see cref="ICodeExecutor.OpenScope"/>); disposing it
/// ends the scope. Opening a scope from it gives the same scope (disposing that one ends nothing).</summary>
public interface IExecutionScope : ICodeExecutor, IAsyncDisposable
{
}

/// <summary>A scope that is no scope: every execution runs as the inner executor runs it.</summary>
internal sealed class UnscopedExecution(ICodeExecutor inner) : IExecutionScope
{
    public string Backend => inner.Backend;

    public int Concurrency => inner.Concurrency;

    public Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default) =>
        inner.ExecuteAsync(request, cancellationToken);

    public void Check(ExecutionRequest request) => inner.Check(request);

    public IExecutionScope OpenScope() => new UnscopedExecution(inner);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
