using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Methods;

/// <summary>One entry of the method catalog: a stable name, what it is, and the loop features it turns on.</summary>
public sealed record MethodDefinition(string Name, string Description, LoopFeatures Features)
{
    /// <summary>The study the method belongs to: <c>method</c> (EvoR and the baselines), <c>evolution-ablation</c>
    /// (the paper's synchronous-evolution study) or <c>knowledge-soup</c> (source subsets).</summary>
    public string Group { get; init; } = "method";
}

/// <summary>
/// Methods are data: every method (EvoR, the baselines, and the paper's ablations) is a name and a set of
/// <see cref="LoopFeatures"/> run by the one <see cref="GenerationLoop"/>. Names are lower case and stable; they are
/// what <c>/v1/generations</c>, <c>GET /v1/models</c> and the bench accept.
/// </summary>
public static class MethodCatalog
{
    public const string EvoR = "evor";
    public const string EvoRReflexion = "evor+reflexion";
    public const string Vanilla = "vanilla";
    public const string DocPrompting = "docprompting";
    public const string Reflexion = "reflexion";

    /// <summary>EvoR with a fixed query (the question): knowledge still evolves.</summary>
    public const string EvoRNoQueryEvolution = "evor-no-query-evolution";

    /// <summary>EvoR whose knowledge never evolves (no overlay is written): the query still evolves.</summary>
    public const string EvoRNoKnowledgeEvolution = "evor-no-knowledge-evolution";

    /// <summary>EvoR with neither evolution: iterative retrieve-generate-execute on a fixed query and fixed knowledge.</summary>
    public const string EvoRNoEvolution = "evor-no-evolution";

    /// <summary>Prefix of the knowledge-soup methods: <c>evor-sources-docs+exec</c> retrieves documentation and execution feedback only.</summary>
    public const string SourcesPrefix = "evor-sources-";

    /// <summary>The short source names used in knowledge-soup method names, in their canonical order.</summary>
    public static IReadOnlyList<(string Short, SourceKind Kind)> SourceNames { get; } =
    [
        ("docs", SourceKind.Documentation),
        ("web", SourceKind.Web),
        ("exec", SourceKind.ExecutionFeedback),
        ("code", SourceKind.CodeSnippet),
    ];

    private static readonly LoopFeatures EvoRFeatures = new()
    {
        Iterate = true, Retrieve = true, EvolveKnowledge = true, EvolveQuery = true, GeneratedInputs = true, StopOnRepeatedError = true,
    };

    /// <summary>Every method, EvoR and the baselines first, then the evolution ablations, then the 15 knowledge-soup subsets.</summary>
    public static IReadOnlyList<MethodDefinition> All { get; } = Build();

    private static readonly Dictionary<string, MethodDefinition> ByName = All.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The definition named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static MethodDefinition? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The knowledge-soup method name for a set of sources: <c>evor-sources-docs+exec</c>.</summary>
    public static string SourcesMethodName(IEnumerable<SourceKind> sources)
    {
        var set = sources.ToHashSet();
        return SourcesPrefix + string.Join('+', SourceNames.Where(s => set.Contains(s.Kind)).Select(s => s.Short));
    }

    private static List<MethodDefinition> Build()
    {
        List<MethodDefinition> all =
        [
            new(EvoR, "EvoR (v2, Algorithm 1): generated test inputs; per round retrieval from the shared base and the job's overlay " +
                "with the current query, generation, execution, knowledge evolution and LLM query rewriting; stops on a clean run, a " +
                "repeated error, or the round budget.", EvoRFeatures),
            new(EvoRReflexion, "EvoR's retrieval and both evolutions, with Reflexion's self-written unit tests and verbal reflections.",
                EvoRFeatures with { GeneratedInputs = false, SelfTests = true, Reflect = true }),
            new(Vanilla, "Baseline: one generation from the question, no retrieval, no execution.", new LoopFeatures()),
            new(DocPrompting, "Baseline (DocPrompting): one retrieval from documentation sources with the question, then one generation.",
                new LoopFeatures { Retrieve = true, ForcedSources = [SourceKind.Documentation] }),
            new(Reflexion, "Baseline (Reflexion): self-written unit tests, a verbal reflection after each failure, up to " +
                "EvoR:ReflexionMaxAttempts attempts; no retrieval.",
                new LoopFeatures { Iterate = true, SelfTests = true, Reflect = true, ReflexionBudget = true }),
            new(EvoRNoQueryEvolution, "Ablation: EvoR with the query fixed to the question (knowledge still evolves).",
                EvoRFeatures with { EvolveQuery = false }) { Group = "evolution-ablation" },
            new(EvoRNoKnowledgeEvolution, "Ablation: EvoR with the knowledge fixed (no overlay written; the query still evolves).",
                EvoRFeatures with { EvolveKnowledge = false }) { Group = "evolution-ablation" },
            new(EvoRNoEvolution, "Ablation: EvoR with neither evolution (iterative retrieval with the question over fixed knowledge).",
                EvoRFeatures with { EvolveQuery = false, EvolveKnowledge = false }) { Group = "evolution-ablation" },
        ];
        for (var mask = 1; mask < 1 << SourceNames.Count; mask++)
        {
            var kinds = SourceNames.Where((_, i) => (mask & (1 << i)) != 0).Select(s => s.Kind).ToList();
            var name = SourcesMethodName(kinds);
            all.Add(new MethodDefinition(name, $"Knowledge soup: EvoR retrieving only {string.Join(", ", kinds.Select(k => k.ToWireName()))}.",
                EvoRFeatures with { ForcedSources = kinds }) { Group = "knowledge-soup" });
        }

        return all;
    }
}

/// <summary>A catalog method: runs <see cref="GenerationLoop"/> with its definition's features.</summary>
public sealed class CatalogMethod : IGenerationMethod
{
    private readonly GenerationLoop _loop;

    public CatalogMethod(MethodDefinition definition, MethodServices services)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definition = definition;
        _loop = new GenerationLoop(definition.Name, definition.Features, services);
    }

    public MethodDefinition Definition { get; }

    public string Name => Definition.Name;

    public Task<MethodResult> RunAsync(Generation.GenerationProblem problem, MethodContext context, CancellationToken cancellationToken) =>
        _loop.RunAsync(problem, context, cancellationToken);
}

/// <summary>The name of EvoR, kept for callers that spelled it <c>EvoRMethod.MethodName</c>; the catalog is <see cref="MethodCatalog"/>.</summary>
public static class EvoRMethod
{
    public const string MethodName = MethodCatalog.EvoR;
}

/// <summary>The name of EvoR+Reflexion (<see cref="MethodCatalog.EvoRReflexion"/>).</summary>
public static class EvoRReflexionMethod
{
    public const string MethodName = MethodCatalog.EvoRReflexion;
}

/// <summary>The name of Vanilla (<see cref="MethodCatalog.Vanilla"/>).</summary>
public static class VanillaMethod
{
    public const string MethodName = MethodCatalog.Vanilla;
}

/// <summary>The name of DocPrompting (<see cref="MethodCatalog.DocPrompting"/>).</summary>
public static class DocPromptingMethod
{
    public const string MethodName = MethodCatalog.DocPrompting;
}

/// <summary>The name of Reflexion (<see cref="MethodCatalog.Reflexion"/>).</summary>
public static class ReflexionMethod
{
    public const string MethodName = MethodCatalog.Reflexion;
}
