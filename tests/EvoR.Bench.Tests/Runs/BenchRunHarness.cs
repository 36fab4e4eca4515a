using System.Text.Json;
using EvoR.Bench.Commands;
using EvoR.Bench.Datasets;
using EvoR.Llm;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Bench.Tests.Runs;

/// <summary>Runs the bench CLI in-process on a temp folder, with a scripted model when given one.</summary>
internal sealed class BenchRunHarness : IDisposable
{
    private static readonly Lazy<Task<string?>> Unavailable = new(ProcessSandboxProbe.UnavailableReasonAsync);

    public TempDirectory Dir { get; } = new();

    public string Out => Path.Combine(Dir.Path, "out");

    public static async Task SkipIfNoSandboxAsync()
    {
        if (await Unavailable.Value is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    /// <summary>Settings every test run uses: BM25 only, a small sandbox pool, k = 1 (the knowledge-gap dataset needs it).</summary>
    public static readonly string[] Common =
    [
        "--Embeddings:Enabled=false", "--Sandbox:MaxConcurrency=2", "--Sandbox:Process:WarmSandboxes=0", "--EvoR:RetrievalK=1",
    ];

    public async Task<(int Exit, string Output, string Error)> RunAsync(IChatCompletionService? chat, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Action<IServiceCollection>? configure = chat is null ? null : s => s.AddEvoRLlmProvider("scripted", "scripted", _ => chat);
        var exit = await BenchCli.RunAsync([.. args, .. Common], output, error, TimeProvider.System, cancellationToken, configure);
        return (exit, output.ToString(), error.ToString());
    }

    public JsonElement Summary() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "summary.json"))).RootElement;

    public string SummaryText() => File.ReadAllText(Path.Combine(Out, "summary.json"));

    /// <summary>The whole lines of <c>samples.jsonl</c> (a line torn by a kill is not a sample).</summary>
    public IReadOnlyList<JsonElement> Samples() =>
        [.. File.ReadAllLines(Path.Combine(Out, "samples.jsonl")).Where(l => l.Length > 0).Select(Parse).OfType<JsonElement>()];

    private static JsonElement? Parse(string line)
    {
        try
        {
            return JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The cell's row of <c>summary.json</c>.</summary>
    public JsonElement Row(string dataset, string method) =>
        Summary().GetProperty("results").EnumerateArray().Single(r => r.GetProperty("dataset").GetString() == dataset && r.GetProperty("method").GetString() == method);

    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// A scripted model for <see cref="ScriptedGapDataset"/>: it writes the new API (<c>fetch</c>) only when its prompt
/// shows the documentation page naming <c>Vault.fetch</c>, else the old <c>get</c>; its query rewrite asks what
/// replaced the removed <c>get</c>. Its replies are labelled scripted by the LLM layer.
/// </summary>
internal static class GapModel
{
    public const string Rewrite = "Which method replaces the removed Vault.get in version 3?";

    public static ScriptedChatCompletionService Create(Func<string, string?>? before = null) => new()
    {
        Responder = h =>
        {
            var prompt = h.Last(m => m.Role == AuthorRole.User).Content ?? "";
            return before?.Invoke(prompt) ?? Respond(prompt);
        },
    };

    public static string Respond(string prompt)
    {
        if (prompt.Contains("Answer with a JSON array of strings only", StringComparison.Ordinal))
        {
            return "[\"print(0)\"]";
        }

        if (prompt.Contains("Answer with the query only", StringComparison.Ordinal))
        {
            return Rewrite;
        }

        if (prompt.Contains("Do not write code.", StringComparison.Ordinal))
        {
            return "Use the documented accessor.";
        }

        if (prompt.Contains("unit tests for a", StringComparison.Ordinal))
        {
            return "```python\nassert True\n```";
        }

        var read = prompt.Contains("Vault.fetch", StringComparison.Ordinal) ? "fetch" : "get";
        var body = prompt.Contains("read_value(", StringComparison.Ordinal) ? $"def read_value(vault, key):\n    return vault.{read}(key)\n"
            : prompt.Contains("total(", StringComparison.Ordinal) ? $"def total(vault):\n    return sum(vault.{read}(k) for k in vault.keys())\n"
            : $"def smallest(vault):\n    return vault.{read}(vault.keys()[0])\n";
        return "```python\n" + body + "```";
    }
}

internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("evor-bench-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
