using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using EvoR.Bench.Datasets;
using EvoR.Llm.Configuration;
using EvoR.Pipeline.Generation;

namespace EvoR.Bench.Runs;

/// <summary><c>run.json</c>: what a run was, so that its numbers can be reproduced and two runs compared honestly.</summary>
internal sealed record RunInfo
{
    public required string RunId { get; init; }
    public string? GitCommit { get; init; }
    public bool? GitDirty { get; init; }
    public required IReadOnlyDictionary<string, string> Packages { get; init; }
    public required IReadOnlyList<DatasetInfo> Datasets { get; init; }
    public required IReadOnlyList<string> Methods { get; init; }
    public required ModelInfo Model { get; init; }

    /// <summary>The loop's settings (section <c>EvoR</c>): decoding (temperature, max output tokens), retriever (mode, k,
    /// token budget) and budgets (rounds, Reflexion attempts, test inputs).</summary>
    public EvoROptions? Loop { get; init; }
    public required string PromptSetVersion { get; init; }
    public required string PromptSetHash { get; init; }
    public required string SandboxBackend { get; init; }
    public required int Concurrency { get; init; }
    public int? Limit { get; init; }
    public required int Samples { get; init; }

    /// <summary><c>problem</c> or <c>run</c> (<c>--knowledge-scope</c>); a folder holds runs of one scope only. Null in a
    /// <c>run.json</c> written before the option existed: <c>problem</c>, the only scope there was.</summary>
    public string? KnowledgeScope { get; init; }

    /// <summary>The run-wide token budget and the prices (USD per million tokens in, out) of this invocation, if given.</summary>
    public long? MaxTokens { get; init; }
    public double? PriceInPerMTok { get; init; }
    public double? PriceOutPerMTok { get; init; }
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>True when any answer came from a scripted model or a scripted dataset: not a model's accuracy.</summary>
    public bool Scripted { get; init; }

    /// <summary>The first start of this run id (a resumed run keeps it), and this invocation's start and end.</summary>
    public required DateTimeOffset FirstStartedAt { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    public sealed record DatasetInfo(string Name, string Source, string Hash, int Problems, bool Scripted);

    public sealed record ModelInfo(string Provider, string? Model, string? Endpoint, bool Configured);

    /// <summary>The run's header, checked against an existing <c>run.json</c> in the folder and written at once.</summary>
    /// <exception cref="ArgumentException">The folder holds a run of other datasets, or another run id.</exception>
    public static async Task<RunInfo> PrepareAsync(BenchRunOptions options, ILlmAvailability llm, EvoROptions loop, string backend, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var path = Path.Combine(options.OutputDirectory, BenchRunner.RunFile);
        RunInfo? previous = null;
        if (File.Exists(path))
        {
            previous = JsonSerializer.Deserialize<RunInfo>(await File.ReadAllTextAsync(path, cancellationToken), BenchJson.Indented);
        }

        var datasets = options.Datasets.Select(d => new DatasetInfo(d.Name, d.Source, BenchHashes.Of(d), BenchRunner.Problems(d, options.Limit).Count, d.Scripted)).ToList();
        if (previous is not null)
        {
            if (options.RunId is { } id && id != previous.RunId)
            {
                throw new ArgumentException($"'{options.OutputDirectory}' holds run '{previous.RunId}', not '{id}'; use another --out.");
            }

            var scope = options.KnowledgeScope.ToWireName();
            if ((previous.KnowledgeScope ?? KnowledgeScopes.ProblemName) != scope)
            {
                throw new ArgumentException($"'{options.OutputDirectory}' holds a run with --knowledge-scope {previous.KnowledgeScope ?? KnowledgeScopes.ProblemName}, not {scope}: " +
                    "its evolved knowledge was shared differently, so the two cannot be one run; use another --out.");
            }

            if (options.KnowledgeScope == Runs.KnowledgeScope.Run && previous.Limit != options.Limit)
            {
                // A group's results depend on every problem in it: another --limit would make other groups.
                throw new ArgumentException($"'{options.OutputDirectory}' holds a --knowledge-scope run with --limit {previous.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}; " +
                    "in the run scope a dataset's problems evolve their knowledge together, so --limit cannot change within a run; use another --out.");
            }

            foreach (var d in datasets)
            {
                if (previous.Datasets.FirstOrDefault(p => p.Name == d.Name) is { } p && p.Hash != d.Hash)
                {
                    throw new ArgumentException($"'{options.OutputDirectory}' holds a run of dataset '{d.Name}' with content hash {p.Hash}, not {d.Hash}; use another --out.");
                }
            }
        }

        var (commit, dirty) = await GitAsync(cancellationToken);
        var info = new RunInfo
        {
            RunId = previous?.RunId ?? options.RunId ?? $"run-{now:yyyyMMdd-HHmmss}",
            GitCommit = commit,
            GitDirty = dirty,
            Packages = CollectPackages(),
            Datasets = [.. (previous?.Datasets ?? []).Where(p => datasets.All(d => d.Name != p.Name)), .. datasets],
            Methods = [.. (previous?.Methods ?? []).Except(options.Methods), .. options.Methods],
            Model = new ModelInfo(llm.Provider, llm.Model, llm.Endpoint?.ToString(), llm.IsConfigured),
            Loop = loop,
            PromptSetVersion = PromptSet.Version,
            PromptSetHash = PromptSet.Hash,
            SandboxBackend = backend,
            Concurrency = options.Concurrency,
            Limit = options.Limit,
            Samples = options.Samples,
            KnowledgeScope = options.KnowledgeScope.ToWireName(),
            MaxTokens = options.MaxTokens,
            PriceInPerMTok = options.PriceInPerMTok,
            PriceOutPerMTok = options.PriceOutPerMTok,
            Settings = options.Settings,
            Scripted = previous?.Scripted ?? false,
            FirstStartedAt = previous?.FirstStartedAt ?? now,
            StartedAt = now,
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(info, BenchJson.Indented), cancellationToken);
        return info;
    }

    public async Task WriteAsync(string directory, DateTimeOffset finishedAt, bool scripted, CancellationToken cancellationToken) =>
        await File.WriteAllTextAsync(Path.Combine(directory, BenchRunner.RunFile),
            JsonSerializer.Serialize(this with { FinishedAt = finishedAt, Scripted = Scripted || scripted }, BenchJson.Indented), cancellationToken);

    private static Dictionary<string, string> CollectPackages()
    {
        var packages = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            var name = assembly.GetName();
            if (name.Name is { } n && (n.StartsWith("EvoR.", StringComparison.Ordinal) || n.StartsWith("Microsoft.SemanticKernel", StringComparison.Ordinal)
                || n.StartsWith("Lucene", StringComparison.Ordinal) || n == "System.CommandLine"))
            {
                packages[n] = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? name.Version?.ToString() ?? "";
            }
        }

        packages["dotnet"] = Environment.Version.ToString();
        return new Dictionary<string, string>(packages);
    }

    /// <summary>The commit of the working directory's repository and whether its tree is dirty; nulls without git.</summary>
    private static async Task<(string? Commit, bool? Dirty)> GitAsync(CancellationToken cancellationToken)
    {
        var commit = await GitOutputAsync("rev-parse HEAD", cancellationToken);
        if (commit is null)
        {
            return (null, null);
        }

        var status = await GitOutputAsync("status --porcelain --untracked-files=no", cancellationToken);
        return (commit.Trim(), status is null ? null : status.Trim().Length > 0);
    }

    private static async Task<string?> GitOutputAsync(string arguments, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return null;
            }

            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
