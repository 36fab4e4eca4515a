using EvoR.Api.Tests.Support;
using EvoR.Testing;

namespace EvoR.Api.Tests.Docs;

/// <summary>What the documents' tests judge an answer by: the statuses a document promises (none named: any 2xx).</summary>
internal static class PromisedStatus
{
    public static bool Matches(int status, IReadOnlyList<int> promised) =>
        promised.Count == 0 ? status is >= 200 and < 300 : promised.Contains(status);

    public static string Describe(IReadOnlyList<int> promised) => promised.Count == 0 ? "2xx" : string.Join(" or ", promised);

    /// <summary>A body or a log, short enough for a failure message.</summary>
    public static string Cut(string text, int max = 300) => text.Length <= max ? text : text[..max] + "…";
}

/// <summary>The scripted model behind the documents' examples: every one of them asks for <c>add(a, b)</c>, so it
/// answers each kind of prompt the methods send (query, tests, advice, program) for that problem.</summary>
internal static class DocsCoder
{
    public static ScriptedStep Respond(ScriptedRequest request)
    {
        var prompt = request.Messages[^1].Content;
        var reply =
            prompt.Contains("Answer with a JSON array of strings only", StringComparison.Ordinal) ? "[\"add(1, 2)\"]" :
            prompt.Contains("Answer with the query only", StringComparison.Ordinal) ? "add two numbers in python" :
            prompt.Contains("Do not write code.", StringComparison.Ordinal) ? "Return a + b." :
            prompt.Contains("unit tests for a", StringComparison.Ordinal) ? "```python\nassert add(1, 2) == 3\n```" :
            "```python\ndef add(a, b):\n    return a + b\n```";
        return ScriptedStep.Reply(reply, promptTokens: 50, completionTokens: 10);
    }
}

/// <summary>The service as the documents' examples meet it: its model the scripted <see cref="DocsCoder"/>, its data
/// in the temporary folder of its <see cref="ServiceProcess"/>.</summary>
internal sealed class DocsService : IAsyncDisposable
{
    private readonly ScriptedOpenAiServer _model;

    private DocsService(ScriptedOpenAiServer model, ServiceProcess process)
    {
        _model = model;
        Process = process;
    }

    public ServiceProcess Process { get; }

    public static async Task<DocsService> StartAsync(IReadOnlyDictionary<string, string>? settings, CancellationToken ct)
    {
        var model = await ScriptedOpenAiServer.StartAsync(ct);
        model.Fallback = DocsCoder.Respond;
        // The service's own defaults (embeddings on, warm sandboxes), as a reader's service has them.
        var all = new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "openai",
            ["Llm:Endpoint"] = model.BaseUrl.ToString(),
            ["Llm:Model"] = "scripted-coder",
            ["Llm:ApiKey"] = "scripted",
            ["Embeddings:Enabled"] = "true",
            ["Sandbox:Process:WarmSandboxes"] = "2",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            all[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        try
        {
            var process = ServiceProcess.Start(all);
            await process.WaitListeningAsync(TimeSpan.FromSeconds(180));
            return new DocsService(model, process);
        }
        catch
        {
            await model.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        await _model.DisposeAsync();
    }
}
