using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EvoR.Api.Tests.Support;
using EvoR.Pipeline.Knowledge;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Api.Tests.Generations;

/// <summary>
/// Answers the pipeline's prompts by kind (test inputs, query rewrites, reflections, self-tests, programs), so tests
/// do not depend on the order of calls. Programs come from <see cref="Programs"/>, then <see cref="DefaultProgram"/>;
/// <see cref="ProgramDelay"/> holds each program reply back (a job that stays running).
/// </summary>
internal sealed class ScriptedCoder
{
    public const int PromptTokens = 100;
    public const int CompletionTokens = 20;

    public Queue<string> Programs { get; } = new();
    public string DefaultProgram { get; set; } = Fixtures.GoodReply;
    public TimeSpan ProgramDelay { get; set; }

    /// <summary>How many program replies come at once before <see cref="ProgramDelay"/> applies (a job that finishes
    /// its first rounds, then stays running).</summary>
    public int UndelayedPrograms { get; set; }

    private int _programsServed;

    public ScriptedStep Respond(ScriptedRequest request)
    {
        var prompt = request.Messages[^1].Content;
        string reply;
        var delay = TimeSpan.Zero;
        if (prompt.Contains("Answer with a JSON array of strings only", StringComparison.Ordinal))
        {
            reply = "[\"print(get_value(Bucket(), 'a'))\"]";
        }
        else if (prompt.Contains("Answer with the query only", StringComparison.Ordinal))
        {
            reply = "Bucket.fetch read value under key";
        }
        else if (prompt.Contains("Do not write code.", StringComparison.Ordinal))
        {
            reply = "Bucket has no get method; call fetch.";
        }
        else if (prompt.Contains("unit tests for a", StringComparison.Ordinal))
        {
            reply = "```python\nassert get_value(Bucket(), 'a') == 1\n```";
        }
        else
        {
            lock (Programs)
            {
                reply = Programs.TryDequeue(out var next) ? next : DefaultProgram;
                delay = ++_programsServed > UndelayedPrograms ? ProgramDelay : TimeSpan.Zero;
            }

        }

        return ScriptedStep.Reply(reply, PromptTokens, CompletionTokens, delay);
    }
}

/// <summary>The problem the generation tests solve: a tiny in-program library whose read method is <c>fetch</c>.</summary>
internal static class Fixtures
{
    public const string HiddenMarker = "HIDDEN_MARKER_5e1d";
    public const string HiddenAssert = "assert get_value(Bucket(), 'b') == 2";

    public const string GoodReply = "Here it is:\n```python\ndef get_value(bucket, key):\n    return bucket.fetch(key)\n```\n";
    public const string BadReply = "```python\ndef get_value(bucket, key):\n    return bucket.get(key)\n```";

    public const string CodeContext =
        "class Bucket:\n    def __init__(self):\n        self._d = {'a': 1, 'b': 2}\n\n    def fetch(self, key):\n        return self._d[key]\n\n[insert]\n";

    public static readonly KnowledgeDocument[] Docs =
    [
        new() { Id = "bucket-fetch", Text = "# Bucket.fetch\nBucket.fetch(key) reads the value stored under a key. Bucket.get was removed in version 3.", Language = "python", Library = "pondlet" },
        new() { Id = "bucket-scan", Text = "# Bucket.scan\nIterates keys in lexicographic order starting with a prefix.", Language = "python", Library = "pondlet" },
    ];

    /// <summary>A request body for the problem; <paramref name="extra"/> is spliced in as more top-level members.</summary>
    public static string Request(string method = "vanilla", string extra = "", bool hidden = true)
    {
        var problem = new Dictionary<string, object?>
        {
            ["description"] = "Write get_value(bucket, key) that returns the value stored under key in a pondlet Bucket.",
            ["language"] = "python",
            ["library"] = "pondlet",
            ["codeContext"] = CodeContext,
            ["visibleTests"] = new Dictionary<string, object> { ["kind"] = "script", ["code"] = "assert get_value(Bucket(), 'a') == 1" },
        };
        if (hidden)
        {
            problem["hiddenTests"] = new Dictionary<string, object> { ["kind"] = "script", ["code"] = $"# {HiddenMarker}\n{HiddenAssert}" };
        }

        var json = JsonSerializer.Serialize(new Dictionary<string, object> { ["method"] = method, ["problem"] = problem });
        return extra.Length == 0 ? json : json[..^1] + ", " + extra + "}";
    }
}

/// <summary>
/// The real app (real process sandbox, real pipeline, the OpenAI connector) with its LLM pointed at a
/// <see cref="ScriptedOpenAiServer"/>, its jobs in a database of the test's own, its knowledge bases in a temporary
/// folder with a base <c>docs</c>. Skips the calling test where the process sandbox cannot run programs.
/// </summary>
internal sealed class GenerationHost : IAsyncDisposable
{
    private static readonly Lazy<Task<string?>> Unavailable = new(ProcessSandboxProbe.UnavailableReasonAsync);

    private GenerationHost(ScriptedOpenAiServer server, ScriptedCoder coder, string folder)
    {
        Server = server;
        Coder = coder;
        Folder = folder;
    }

    public ScriptedOpenAiServer Server { get; }
    public ScriptedCoder Coder { get; }

    /// <summary>Holds the database and the knowledge bases; outlives <see cref="Factory"/> across restarts.</summary>
    public string Folder { get; }

    public string DatabasePath => Path.Combine(Folder, "generations.db");
    public ApiFactory Factory { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Settings of every (re)start, besides the defaults; set before <see cref="RestartAsync"/>.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public static async Task<GenerationHost> StartAsync(Dictionary<string, string?>? settings = null, bool withModel = true)
    {
        await SkipIfNoSandboxAsync();
        var server = await ScriptedOpenAiServer.StartAsync(Http.Ct);
        var coder = new ScriptedCoder();
        server.Fallback = coder.Respond;
        var host = new GenerationHost(server, coder, Directory.CreateTempSubdirectory("evor-generations-").FullName);
        if (withModel)
        {
            host.Settings["Llm:Provider"] = "openai";
            host.Settings["Llm:Endpoint"] = server.BaseUrl.ToString();
            host.Settings["Llm:Model"] = "test-model";
        }

        foreach (var (k, v) in settings ?? [])
        {
            host.Settings[k] = v;
        }

        host.Boot();
        var store = host.Factory.Services.GetRequiredService<IKnowledgeBaseStore>();
        await store.CreateAsync("docs", cancellationToken: Http.Ct);
        await store.AddDocumentsAsync("docs", Fixtures.Docs, Http.Ct);
        return host;
    }

    /// <summary>Stops the app (gracefully) and starts a new one on the same database and knowledge folder.</summary>
    public async Task RestartAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        Boot();
    }

    public static async Task SkipIfNoSandboxAsync()
    {
        if (await Unavailable.Value is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Every message text the scripted server was sent.</summary>
    public IEnumerable<string> Prompts => Server.Requests.SelectMany(r => r.Messages).Select(m => m.Content);

    private void Boot()
    {
        var all = new Dictionary<string, string?>
        {
            ["Generations:DatabasePath"] = DatabasePath,
            ["Knowledge:RootPath"] = Path.Combine(Folder, "knowledge"),
            ["Embeddings:Enabled"] = "false",
            ["Sandbox:MaxConcurrency"] = "2",
            ["Sandbox:Process:WarmSandboxes"] = "0",
            ["Llm:Resilience:MaxRetryAttempts"] = "0",
            ["RateLimiting:Enabled"] = "false",
        };
        foreach (var (k, v) in Settings)
        {
            all[k] = v;
        }

        Factory = new ApiFactory(all, realSandbox: true);
        Client = Factory.CreateClient();
    }
}

/// <summary>One Server-Sent Event as read from a stream.</summary>
internal sealed record SseEvent(long Id, string Name, JsonElement Data);

/// <summary>Requests of the generation endpoints.</summary>
internal static class GenerationClient
{
    private static readonly HashSet<string> Terminal = ["succeeded", "failed", "cancelled", "interrupted"];

    public static async Task<HttpResponseMessage> PostGenerationAsync(this HttpClient client, string json, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/generations") { Content = Http.Json(json) };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await client.SendAsync(request, Http.Ct);
    }

    /// <summary>Creates a job and returns its id (asserting the 202 and its Location).</summary>
    public static async Task<string> CreateAsync(this HttpClient client, string json)
    {
        using var response = await client.PostGenerationAsync(json);
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body.ToString());
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal($"/v1/generations/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal($"/v1/generations/{id}/events", body.GetProperty("eventsUrl").GetString());
        return id;
    }

    public static async Task<JsonElement> GetJobAsync(this HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/v1/generations/{id}", Http.Ct);
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    /// <summary>Polls the job until its status is one of <paramref name="statuses"/> (default: any final one).</summary>
    public static async Task<JsonElement> WaitForAsync(this HttpClient client, string id, params string[] statuses)
    {
        var wanted = statuses.Length > 0 ? statuses.ToHashSet() : Terminal;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(90));
        while (true)
        {
            var job = await client.GetJobAsync(id);
            var status = job.GetProperty("status").GetString()!;
            if (wanted.Contains(status))
            {
                return job;
            }

            Assert.False(Terminal.Contains(status), $"job ended {status} while waiting for {string.Join('|', wanted)}: {job}");
            await Task.Delay(50, limit.Token);
        }
    }

    /// <summary>Reads the job's event stream to its end event (or to the end of the response).</summary>
    public static async Task<List<SseEvent>> ReadEventsAsync(this HttpClient client, string id, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/generations/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(90));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(limit.Token), Encoding.UTF8);
        var events = new List<SseEvent>();
        long? eventId = null;
        string? name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(limit.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (eventId is { } eid && name is not null)
                {
                    events.Add(new SseEvent(eid, name, JsonDocument.Parse(data.ToString()).RootElement.Clone()));
                    if (name == "end")
                    {
                        break;
                    }
                }

                (eventId, name) = (null, null);
                data.Clear();
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                eventId = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line[6..]);
            }
        }

        return events;
    }
}
