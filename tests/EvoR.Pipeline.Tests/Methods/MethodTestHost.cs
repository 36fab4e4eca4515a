using EvoR.Llm;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;
using EvoR.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Pipeline.Tests.Methods;

/// <summary>
/// Answers each kind of prompt from its own queue (test inputs, programs, query rewrites, reflections, self-tests), so
/// tests do not depend on the order of calls. An exhausted queue repeats its default.
/// </summary>
internal sealed class ScriptedLlm
{
    public Queue<string> Inputs { get; } = new();
    public Queue<string> Programs { get; } = new();
    public Queue<string> Rewrites { get; } = new();
    public Queue<string> Reflections { get; } = new();
    public Queue<string> SelfTests { get; } = new();

    public string DefaultInputs { get; set; } = "[\"print(get_value(Bucket(), 'a'))\"]";
    public string DefaultProgram { get; set; } = Fixtures.GoodReply;
    public string DefaultRewrite { get; set; } = "Bucket.fetch read value under key";

    public string Respond(string prompt)
    {
        if (prompt.Contains("Answer with a JSON array of strings only", StringComparison.Ordinal))
        {
            return Inputs.TryDequeue(out var s) ? s : DefaultInputs;
        }

        if (prompt.Contains("Answer with the query only", StringComparison.Ordinal))
        {
            return Rewrites.TryDequeue(out var s) ? s : DefaultRewrite;
        }

        if (prompt.Contains("Do not write code.", StringComparison.Ordinal))
        {
            return Reflections.TryDequeue(out var s) ? s : "Bucket has no get method; call fetch.";
        }

        if (prompt.Contains("unit tests for a", StringComparison.Ordinal))
        {
            return SelfTests.TryDequeue(out var s) ? s : "```python\nassert get_value(Bucket(), 'a') == 1\n```";
        }

        return Programs.TryDequeue(out var p) ? p : DefaultProgram;
    }

    public ScriptedChatCompletionService AsService() =>
        new() { Responder = h => Respond(h.Last(m => m.Role == AuthorRole.User).Content ?? "") };
}

/// <summary>Problem and knowledge used across the method tests: a tiny in-program library whose read method is <c>fetch</c>.</summary>
internal static class Fixtures
{
    public const string HiddenMarker = "HIDDEN_MARKER_7f3c";

    public const string GoodReply = "Here it is:\n```python\ndef get_value(bucket, key):\n    return bucket.fetch(key)\n```\n";
    public const string BadReply = "```python\ndef get_value(bucket, key):\n    return bucket.get(key)\n```";

    public static readonly KnowledgeDocument[] Docs =
    [
        new() { Id = "bucket-fetch", Text = "# Bucket.fetch\nBucket.fetch(key) reads the value stored under a key. Bucket.get was removed in version 3.", Language = "python", Library = "pondlet" },
        new() { Id = "bucket-scan", Text = "# Bucket.scan\nIterates keys in lexicographic order starting with a prefix.", Language = "python", Library = "pondlet" },
        new() { Id = "web-blog", Text = "# A blog about buckets\nPeople store the value of a key in a bucket.", Source = SourceKind.Web },
    ];
}

internal static class Problems
{
    public static EvoR.Pipeline.Generation.GenerationProblem GetValue(bool hidden = true, bool visible = true) => new()
    {
        Id = "pondlet/get-value",
        Description = "Write get_value(bucket, key) that returns the value stored under key in a pondlet Bucket.",
        Language = "python",
        Library = "pondlet",
        CodeContext = "class Bucket:\n    def __init__(self):\n        self._d = {'a': 1, 'b': 2}\n\n    def fetch(self, key):\n        return self._d[key]\n\n[insert]\n",
        VisibleTests = visible ? new ScriptTests { Code = "assert get_value(Bucket(), 'a') == 1" } : null,
        HiddenTests = hidden ? new ScriptTests { Code = $"# {Fixtures.HiddenMarker}\nassert get_value(Bucket(), 'b') == 2" } : null,
    };
}

/// <summary>A container with the real sandbox, the LLM layer over a scripted double, and the pipeline on a temp folder.</summary>
internal sealed class MethodTestHost : IAsyncDisposable
{
    private static readonly Lazy<Task<string?>> Unavailable = new(ProcessSandboxProbe.UnavailableReasonAsync);
    private readonly TempDirectory _dir;

    private MethodTestHost(ServiceProvider services, TempDirectory dir)
    {
        Services = services;
        _dir = dir;
    }

    public ServiceProvider Services { get; }
    public MethodRunner Runner => Services.GetRequiredService<MethodRunner>();
    public IKnowledgeBaseStore Store => Services.GetRequiredService<IKnowledgeBaseStore>();

    /// <summary>Skips the calling test when the process sandbox cannot run programs here.</summary>
    public static async Task SkipIfNoSandboxAsync()
    {
        if (await Unavailable.Value is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    /// <summary>The host, its shared base <c>docs</c> filled with <see cref="Fixtures.Docs"/>.</summary>
    public static async Task<MethodTestHost> StartAsync(IChatCompletionService? chat, Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        await SkipIfNoSandboxAsync();
        var dir = new TempDirectory();
        var all = new Dictionary<string, string?>
        {
            ["Knowledge:RootPath"] = dir.Path,
            ["Embeddings:Enabled"] = "false",
            ["Sandbox:MaxConcurrency"] = "2",
            ["Sandbox:Process:WarmSandboxes"] = "0",
        };
        foreach (var (k, v) in settings ?? [])
        {
            all[k] = v;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection().AddLogging().AddEvoRSandbox(configuration).AddEvoRLlm(configuration).AddEvoRPipeline(configuration);
        if (chat is not null)
        {
            services.AddEvoRLlmProvider("scripted", "scripted", _ => chat);
        }

        configure?.Invoke(services);

        var host = new MethodTestHost(services.BuildServiceProvider(), dir);
        await host.Store.CreateAsync("docs", cancellationToken: TestContext.Current.CancellationToken);
        await host.Store.AddDocumentsAsync("docs", Fixtures.Docs, TestContext.Current.CancellationToken);
        return host;
    }

    public IGenerationMethod Method(string name) => Runner.Methods[name];

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        _dir.Dispose();
    }
}
