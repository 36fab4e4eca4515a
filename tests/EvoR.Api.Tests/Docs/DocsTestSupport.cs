using EvoR.Testing;

namespace EvoR.Api.Tests.Docs;

/// <summary>Where the repository's documents are, found from the test's own folder.</summary>
internal static class Repository
{
    public static string Root()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EvoR.sln")))
                return folder.FullName;
        }

        throw new InvalidOperationException("EvoR.sln not found above " + AppContext.BaseDirectory);
    }
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

/// <summary>The service as the documents' examples meet it: its model the scripted <see cref="DocsCoder"/>, all
/// its data in a temporary folder removed with it.</summary>
internal sealed class DocsService : IAsyncDisposable
{
    private readonly ScriptedOpenAiServer _model;
    private readonly DirectoryInfo _data;

    private DocsService(ScriptedOpenAiServer model, DirectoryInfo data, ServiceProcess process)
    {
        _model = model;
        _data = data;
        Process = process;
    }

    public ServiceProcess Process { get; }

    public static async Task<DocsService> StartAsync(IReadOnlyDictionary<string, string>? settings, CancellationToken ct)
    {
        var model = await ScriptedOpenAiServer.StartAsync(ct);
        model.Fallback = DocsCoder.Respond;
        var data = Directory.CreateTempSubdirectory("evor-docs-");
        var all = new Dictionary<string, string>
        {
            ["Llm__Provider"] = "openai",
            ["Llm__Endpoint"] = model.BaseUrl.ToString(),
            ["Llm__Model"] = "scripted-coder",
            ["Llm__ApiKey"] = "scripted",
            ["Data__Root"] = data.FullName,
            ["Generations__DatabasePath"] = Path.Combine(data.FullName, "generations.db"),
            ["Knowledge__RootPath"] = Path.Combine(data.FullName, "knowledge"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            all[key] = value;
        try
        {
            return new DocsService(model, data, await ServiceProcess.StartAsync(all, ct));
        }
        catch
        {
            await model.DisposeAsync();
            data.Delete(recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        await _model.DisposeAsync();
        _data.Delete(recursive: true);
    }
}
