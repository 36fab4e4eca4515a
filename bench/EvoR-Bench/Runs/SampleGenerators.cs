using EvoR.Bench.Datasets;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Methods;

namespace EvoR.Bench.Runs;

/// <summary>
/// How <see cref="BenchRunner"/> gets a method's answer for one sample: in-process (the pipeline's own
/// <see cref="MethodRunner"/>) or from a running EvoR service (<c>--service</c>). Scoring stays with the runner either way.
/// </summary>
internal interface ISampleGenerator
{
    /// <summary>The service's base URL; null in-process (the runner's own knowledge store holds the bases).</summary>
    Uri? Service { get; }

    /// <summary>The method names this generator runs (the pseudo-methods aside).</summary>
    Task<IReadOnlyCollection<string>> MethodsAsync(CancellationToken cancellationToken);

    /// <summary>Service only: the dataset's documentation base named <paramref name="name"/>, created with its documents when absent.</summary>
    Task<string> EnsureKnowledgeBaseAsync(string name, IBenchDataset dataset, CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="method"/> on a problem that carries no hidden tests.</summary>
    /// <exception cref="ServiceJobFailedException">The service's job failed (it names whether the model call failed).</exception>
    Task<MethodResult> RunAsync(string method, GenerationProblem problem, MethodContext context, CancellationToken cancellationToken);
}

/// <summary>The default: the pipeline's <see cref="MethodRunner"/> in this process.</summary>
internal sealed class InProcessSampleGenerator(MethodRunner runner) : ISampleGenerator
{
    public Uri? Service => null;

    public Task<IReadOnlyCollection<string>> MethodsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyCollection<string>>([.. runner.Methods.Keys]);

    public Task<string> EnsureKnowledgeBaseAsync(string name, IBenchDataset dataset, CancellationToken cancellationToken) =>
        throw new NotSupportedException("In-process runs keep their bases in the runner's own knowledge store.");

    public Task<MethodResult> RunAsync(string method, GenerationProblem problem, MethodContext context, CancellationToken cancellationToken) =>
        runner.Methods[method].RunAsync(problem, context, cancellationToken);
}

/// <summary>A generation job on the service did not succeed. <see cref="ModelCallFailed"/>: the model's call failed (or no
/// model is configured there), counted as <c>model-call-failed</c>; otherwise the infrastructure failed.</summary>
internal sealed class ServiceJobFailedException(string message, bool modelCallFailed) : Exception(message)
{
    public bool ModelCallFailed { get; } = modelCallFailed;
}
