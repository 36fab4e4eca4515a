using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Methods;

/// <summary>
/// EvoR (v2, Algorithm 1): LLM-written test inputs; per round retrieval from the shared base and the job's overlay
/// with the current query, generation, execution, knowledge evolution and LLM query rewriting; stops on a clean run,
/// a repeated error, or the round budget.
/// </summary>
public sealed class EvoRMethod(MethodServices services) : IGenerationMethod
{
    public const string MethodName = "evor";

    private readonly GenerationLoop _loop = new(MethodName, new LoopFeatures
    {
        Iterate = true, Retrieve = true, EvolveKnowledge = true, EvolveQuery = true, GeneratedInputs = true, StopOnRepeatedError = true,
    }, services);

    public string Name => MethodName;

    public Task<MethodResult> RunAsync(GenerationProblem problem, MethodContext context, CancellationToken cancellationToken) =>
        _loop.RunAsync(problem, context, cancellationToken);
}

/// <summary>EvoR's retrieval and both evolutions, with Reflexion's self-written unit tests and verbal reflections.</summary>
public sealed class EvoRReflexionMethod(MethodServices services) : IGenerationMethod
{
    public const string MethodName = "evor+reflexion";

    private readonly GenerationLoop _loop = new(MethodName, new LoopFeatures
    {
        Iterate = true, Retrieve = true, EvolveKnowledge = true, EvolveQuery = true, SelfTests = true, Reflect = true, StopOnRepeatedError = true,
    }, services);

    public string Name => MethodName;

    public Task<MethodResult> RunAsync(GenerationProblem problem, MethodContext context, CancellationToken cancellationToken) =>
        _loop.RunAsync(problem, context, cancellationToken);
}

/// <summary>Baseline: one generation from the question, no retrieval, no execution.</summary>
public sealed class VanillaMethod(MethodServices services) : IGenerationMethod
{
    public const string MethodName = "vanilla";

    private readonly GenerationLoop _loop = new(MethodName, new LoopFeatures(), services);

    public string Name => MethodName;

    public Task<MethodResult> RunAsync(GenerationProblem problem, MethodContext context, CancellationToken cancellationToken) =>
        _loop.RunAsync(problem, context, cancellationToken);
}

/// <summary>Baseline (DocPrompting): one retrieval from documentation sources with the question, then one generation.</summary>
public sealed class DocPromptingMethod(MethodServices services) : IGenerationMethod
{
    public const string MethodName = "docprompting";

    private readonly GenerationLoop _loop = new(MethodName, new LoopFeatures
    {
        Retrieve = true, ForcedSources = [SourceKind.Documentation],
    }, services);

    public string Name => MethodName;

    public Task<MethodResult> RunAsync(GenerationProblem problem, MethodContext context, CancellationToken cancellationToken) =>
        _loop.RunAsync(problem, context, cancellationToken);
}

/// <summary>
/// Baseline (Reflexion): the LLM writes its own unit tests, each attempt runs on them (and the visible tests), a
/// failure gets a short verbal reflection that the next attempt sees; up to <c>EvoR:ReflexionMaxAttempts</c>. No retrieval.
/// </summary>
public sealed class ReflexionMethod(MethodServices services) : IGenerationMethod
{
    public const string MethodName = "reflexion";

    private readonly GenerationLoop _loop = new(MethodName, new LoopFeatures
    {
        Iterate = true, SelfTests = true, Reflect = true, ReflexionBudget = true,
    }, services);

    public string Name => MethodName;

    public Task<MethodResult> RunAsync(GenerationProblem problem, MethodContext context, CancellationToken cancellationToken) =>
        _loop.RunAsync(problem, context, cancellationToken);
}
