using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Methods;

/// <summary>Which parts of the loop a method uses; a method is a name and these (<see cref="MethodCatalog"/>).</summary>
public sealed record LoopFeatures
{
    /// <summary>More than one round, each executing its draft; false: one generation, not executed (scored only).</summary>
    public bool Iterate { get; init; }

    public bool Retrieve { get; init; }

    /// <summary>Sources every retrieval is limited to, overriding the context's (DocPrompting: documentation).</summary>
    public IReadOnlyList<SourceKind>? ForcedSources { get; init; }

    public bool EvolveKnowledge { get; init; }
    public bool EvolveQuery { get; init; }

    /// <summary>EvoR step 1: the LLM writes test inputs that drafts run on.</summary>
    public bool GeneratedInputs { get; init; }

    /// <summary>Reflexion: the LLM writes its own unit tests that drafts must pass.</summary>
    public bool SelfTests { get; init; }

    /// <summary>Reflexion: a verbal reflection after each failure, shown to the next generation.</summary>
    public bool Reflect { get; init; }

    public bool StopOnRepeatedError { get; init; }

    /// <summary>Which option bounds the rounds: <c>EvoR:MaxRounds</c> or <c>EvoR:ReflexionMaxAttempts</c>.</summary>
    public bool ReflexionBudget { get; init; }
}
