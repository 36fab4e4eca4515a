using System.CommandLine;
using EvoR.Bench.Datasets;
using EvoR.Bench.Runs;
using EvoR.Bench.Service;
using EvoR.Pipeline.Methods;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Bench.Commands;

/// <summary>
/// <c>run</c>: methods × datasets in-process (the pipeline's <see cref="MethodRunner"/>, sandbox and knowledge bases),
/// the model from the <c>Llm:*</c> settings; writes <c>run.json</c>, <c>samples.jsonl</c>, <c>summary.json</c> and
/// <c>summary.md</c> into <c>--out</c>, and continues a stopped run in the same folder.
/// </summary>
internal static class RunCommand
{
    public const string DefaultMethods = "evor,docprompting,reflexion,vanilla,evor+reflexion";

    public static Command Build(TextWriter output, TimeProvider time, Action<IServiceCollection>? configure, bool interactive)
    {
        var datasets = new Option<string[]>("--dataset")
        {
            Description = $"A dataset name ({string.Join(", ", DatasetResolver.BuiltInNames)}), a HumanEval .jsonl[.gz] path, or an EvoR-Bench folder (a task, or a data dir: one dataset per task); repeatable",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var methods = new Option<string>("--methods")
        {
            Description = $"Comma-separated methods (see the 'methods' command; also the pseudo-methods reference and empty).",
            DefaultValueFactory = _ => DefaultMethods,
        };
        var output_ = new Option<string>("--out") { Description = "The run's folder; rerunning with the same folder continues the run", Required = true };
        var concurrency = CommandOptions.AtLeast("--concurrency", "Samples in flight at once", 4, 1);
        var limit = new Option<int?>("--limit") { Description = "Only the first N problems of each dataset" };
        var samples = CommandOptions.AtLeast("--samples", "Samples per problem; more than 1 reports unbiased pass@k", 1, 1);
        var cassette = new Option<string[]>("--cassette")
        {
            Description = "record PATH: append every model exchange to PATH; replay PATH: answer from PATH (no model needed)",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
        };
        var runId = new Option<string?>("--run-id") { Description = "The run's id (default: the folder's, else run-<time>)" };
        var stall = CommandOptions.AtLeast("--stall-seconds", "Name the samples that made no progress for this long", 60, 1);
        var libraries = new Option<string[]>("--library")
        {
            Description = "A folder put on the import path of every program the sandbox runs in this run (Python: PYTHONPATH), " +
                          "so that DIR/newScience/ imports as newScience; read-only; repeatable. Either sandbox backend.",
        };
        var maxTokens = new Option<long?>("--max-tokens") { Description = "Run-wide token budget (in + out): once reached, no new sample starts; the rest count as not run" };
        maxTokens.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long?>() is < 1)
            {
                r.AddError("Option '--max-tokens' must be at least 1.");
            }
        });
        var priceIn = Price("--price-in", "USD per million input tokens (with --price-out: a cost per cell)");
        var priceOut = Price("--price-out", "USD per million output tokens (with --price-in)");
        var knowledgeScope = new Option<string>("--knowledge-scope")
        {
            Description = "What evolved knowledge is shared by: problem (one overlay per problem) or run (one per dataset × method, " +
                          "on a synchronous round schedule: round r sees exactly what rounds < r wrote, under any --concurrency)",
            DefaultValueFactory = _ => KnowledgeScopes.ProblemName,
        };
        knowledgeScope.AcceptOnlyFromAmong([.. KnowledgeScopes.Names]);
        var retryFailed = new Option<bool>("--retry-failed") { Description = "Run again the samples whose model call or infrastructure failed" };
        var (service, apiKey) = ServiceOptions.Build();
        var command = new Command("run", "Run methods over datasets and write run.json, samples.jsonl, summary.json and summary.md. " +
            "The model comes from Llm:* settings (environment Llm__Endpoint etc., or --Llm:Model=…).")
        {
            datasets, methods, output_, concurrency, limit, samples, cassette, runId, libraries, retryFailed, stall, maxTokens, priceIn, priceOut,
            knowledgeScope, service, apiKey,
        };
        ServiceOptions.Validate(command, service, apiKey, cassette);
        command.Validators.Add(r =>
        {
            if ((r.GetValue(priceIn) is null) != (r.GetValue(priceOut) is null))
            {
                r.AddError("Options '--price-in' and '--price-out' go together.");
            }

            // The run scope's round schedule lives in this process; a remote service runs each job on its own.
            if (r.GetValue(service) is not null && r.GetValue(knowledgeScope) == KnowledgeScopes.RunName)
            {
                r.AddError("Option '--knowledge-scope run' needs the in-process mode: it cannot be combined with '--service'.");
            }
        });
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parsed, ct) =>
        {
            var overrides = BenchCli.ConfigurationOverrides([.. parsed.UnmatchedTokens]).ToList();
            var outDir = Path.GetFullPath(parsed.GetValue(output_)!);
            var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (parsed.GetValue(cassette) is [var mode, var path])
            {
                var full = Path.GetFullPath(path);
                switch (mode.ToLowerInvariant())
                {
                    case "record":
                        overrides.Add($"--Llm:RecordTo={full}");
                        break;
                    case "replay":
                        overrides.Add("--Llm:Provider=replay");
                        overrides.Add($"--Llm:Cassette={full}");
                        break;
                    default:
                        throw new ArgumentException($"--cassette takes 'record PATH' or 'replay PATH', not '{mode}'.");
                }

                settings["cassette"] = $"{mode.ToLowerInvariant()} {full}";
            }

            // Knowledge bases live in the run's folder unless configured.
            if (!overrides.Any(o => o.StartsWith("--Knowledge:RootPath", StringComparison.OrdinalIgnoreCase)) && Environment.GetEnvironmentVariable("Knowledge__RootPath") is null)
            {
                overrides.Insert(0, $"--Knowledge:RootPath={Path.Combine(outDir, "knowledge")}");
            }

            settings["overrides"] = string.Join(' ', overrides.Where(o => !o.Contains("ApiKey", StringComparison.OrdinalIgnoreCase)));
            var resolved = new List<IBenchDataset>();
            foreach (var d in parsed.GetValue(datasets)!)
            {
                try
                {
                    resolved.AddRange(await DatasetResolver.ResolveAllAsync(d, ct));
                }
                catch (Datasets.EvorBench.EvorBenchFormatException ex)
                {
                    // A usage error like any other: every broken file is named, nothing runs.
                    throw new ArgumentException(ex.Message, ex);
                }
            }

            var explicitLibraries = parsed.GetValue(libraries) ?? [];
            var importRoots = ImportRoots(explicitLibraries, resolved);
            if (importRoots.Count > 0)
            {
                // Named libraries (Sandbox:Libraries) are bound on either backend.
                overrides.AddRange(LibraryOverrides(importRoots));
                settings["libraries"] = string.Join(':', importRoots);
            }

            var options = new BenchRunOptions
            {
                Datasets = resolved,
                Methods = [.. parsed.GetValue(methods)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m.ToLowerInvariant()).Distinct()],
                OutputDirectory = outDir,
                Concurrency = parsed.GetValue(concurrency),
                KnowledgeScope = KnowledgeScopes.Parse(parsed.GetValue(knowledgeScope)),
                Limit = parsed.GetValue(limit),
                Samples = parsed.GetValue(samples),
                RetryFailed = parsed.GetValue(retryFailed),
                RunId = parsed.GetValue(runId),
                StallAfter = TimeSpan.FromSeconds(parsed.GetValue(stall)),
                MaxTokens = parsed.GetValue(maxTokens),
                PriceInPerMTok = parsed.GetValue(priceIn),
                PriceOutPerMTok = parsed.GetValue(priceOut),
                Settings = settings,
            };
            var remote = ServiceOptions.Generator(parsed.GetValue(service), parsed.GetValue(apiKey) ?? Environment.GetEnvironmentVariable(ServiceOptions.ApiKeyVariable), settings);
            Action<IServiceCollection>? services = remote is null ? configure : s =>
            {
                configure?.Invoke(s);
                s.AddSingleton<Runs.ISampleGenerator>(remote);
            };
            await using var host = await BenchHost.StartAsync(BenchHost.BuildConfiguration(overrides), withPipeline: true, services, ct);
            RunSummary summary;
            if (interactive)
            {
                summary = await SpectreRunProgress.RunAsync(p => host.Runner.RunAsync(options, p, ct), time);
            }
            else
            {
                summary = await host.Runner.RunAsync(options, new PlainRunProgress(output, time), ct);
            }

            await output.WriteLineAsync();
            await output.WriteAsync(SummaryWriter.Markdown(summary));
            await output.WriteLineAsync($"Results in {outDir}");
            return BenchCli.ExitOk;
        });
        return command;
    }

    /// <summary>The settings that bind <paramref name="importRoots"/> read-only into every sandbox, on either backend (named
    /// libraries <c>libN</c> at <c>/libraries/libN</c>, <c>Sandbox:Libraries:libN:EveryRun</c>), which puts them on every
    /// Python program's import path, so that the methods' own draft runs import a library exactly as the final scoring does.</summary>
    internal static IEnumerable<string> LibraryOverrides(IReadOnlyList<string> importRoots)
    {
        for (var i = 0; i < importRoots.Count; i++)
        {
            yield return $"--Sandbox:Libraries:lib{i}:Path={importRoots[i]}";
            yield return $"--Sandbox:Libraries:lib{i}:EveryRun=true";
        }
    }

    /// <summary>The <c>--library</c> folders and every dataset's own, absolute, each once, in order.</summary>
    /// <exception cref="ArgumentException">A <c>--library</c> that is not a folder.</exception>
    internal static IReadOnlyList<string> ImportRoots(IEnumerable<string> libraries, IEnumerable<IBenchDataset> datasets)
    {
        var roots = new List<string>();
        foreach (var library in libraries)
        {
            var full = Path.GetFullPath(library);
            if (!Directory.Exists(full))
            {
                throw new ArgumentException($"--library {library}: no such folder.");
            }

            roots.Add(full);
        }

        roots.AddRange(datasets.SelectMany(d => d.ImportRoots));
        return [.. roots.Distinct(StringComparer.Ordinal)];
    }

    private static Option<double?> Price(string name, string description)
    {
        var option = new Option<double?>(name) { Description = description };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } v && (v < 0 || !double.IsFinite(v)))
            {
                r.AddError($"Option '{name}' must be a price of at least 0.");
            }
        });
        return option;
    }
}

/// <summary><c>methods</c>: the catalog, one method a line with its group and description.</summary>
internal static class MethodsCommand
{
    public static Command Build(TextWriter output)
    {
        var command = new Command("methods", "List every method run accepts (the catalog, its ablations, and the pseudo-methods).");
        command.SetAction(async (_, _) =>
        {
            foreach (var m in MethodCatalog.All)
            {
                await output.WriteLineAsync($"{m.Name,-34} {m.Group,-20} {m.Description}");
            }

            await output.WriteLineAsync($"{BenchRunner.Reference,-34} {"pseudo",-20} Answers each problem's reference solution (a harness check: 100 % where references exist).");
            await output.WriteLineAsync($"{BenchRunner.Empty,-34} {"pseudo",-20} Answers nothing (a harness check: 0 %).");
            return BenchCli.ExitOk;
        });
        return command;
    }
}

/// <summary><c>compare A B</c>: two run folders side by side.</summary>
internal static class CompareCommand
{
    public static Command Build(TextWriter output)
    {
        var a = new Argument<string>("a") { Description = "The first run's folder (A)" };
        var b = new Argument<string>("b") { Description = "The second run's folder (B)" };
        var command = new Command("compare", "Two runs side by side: accuracy per cell, B − A, and the problems that flipped.") { a, b };
        command.SetAction(async (parsed, ct) =>
        {
            var left = await RunComparison.ReadAsync(parsed.GetValue(a)!, ct);
            var right = await RunComparison.ReadAsync(parsed.GetValue(b)!, ct);
            await output.WriteAsync(RunComparison.Markdown(left, right));
            return BenchCli.ExitOk;
        });
        return command;
    }
}
