using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvoR.Llm.Chat;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EvoR.Testing;

/// <summary>One scripted answer of <see cref="ScriptedOpenAiServer"/>: a reply (200 with <c>usage</c>) or an error status.</summary>
public sealed record ScriptedStep
{
    /// <summary>HTTP status; 200 sends <see cref="Content"/> as a chat completion.</summary>
    public int Status { get; init; } = 200;

    public string Content { get; init; } = string.Empty;

    public int PromptTokens { get; init; }

    public int CompletionTokens { get; init; }

    /// <summary>Wait before answering (cut short when the client gives up).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Sent as <c>Retry-After</c> (whole seconds) with an error status.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ScriptedStep Reply(string content, int promptTokens = 11, int completionTokens = 7, TimeSpan delay = default) =>
        new() { Content = content, PromptTokens = promptTokens, CompletionTokens = completionTokens, Delay = delay };

    public static ScriptedStep Error(HttpStatusCode status, TimeSpan? retryAfter = null, TimeSpan delay = default) =>
        new() { Status = (int)status, RetryAfter = retryAfter, Delay = delay };
}

/// <summary>A request the server received.</summary>
/// <param name="Path">The request path (<c>/v1/chat/completions</c>, or Azure's deployment path).</param>
/// <param name="Model">The <c>model</c> of the body (Azure: the deployment of the path).</param>
/// <param name="Messages">Role and text of each message.</param>
/// <param name="Stream">Whether a stream was asked for.</param>
/// <param name="Body">The whole JSON body.</param>
/// <param name="Authorization">The <c>Authorization</c> or <c>api-key</c> header, when sent.</param>
public sealed record ScriptedRequest(string Path, string Model, IReadOnlyList<(string Role, string Content)> Messages, bool Stream,
    JsonElement Body, string? Authorization);

/// <summary>
/// A scripted OpenAI-compatible server on loopback (Kestrel on 127.0.0.1, a free port): <c>POST /v1/chat/completions</c>
/// (and Azure's <c>/openai/deployments/{name}/chat/completions</c>), non-streaming and streaming (SSE, with a final
/// <c>usage</c> chunk when asked). It answers with the queued <see cref="ScriptedStep"/>s in order, then with
/// <see cref="Fallback"/>, else 400 "script exhausted". Every answer carries <c>system_fingerprint = evor-scripted</c>,
/// which the LLM layer labels <c>evor.source = scripted</c>. Reach it through the real connector with <see cref="BaseUrl"/>.
/// </summary>
public sealed class ScriptedOpenAiServer : IAsyncDisposable
{
    public const string Fingerprint = LlmMetadata.ScriptedFingerprintPrefix;

    private readonly WebApplication _app;
    private readonly Queue<ScriptedStep> _script = new();
    private readonly List<ScriptedRequest> _requests = [];
    private readonly Lock _lock = new();
    private int _inFlight;
    private int _maxInFlight;
    private int _completionId;

    private ScriptedOpenAiServer(WebApplication app, Uri root)
    {
        _app = app;
        Root = root;
    }

    /// <summary><c>http://127.0.0.1:PORT/</c>: the endpoint for Azure OpenAI.</summary>
    public Uri Root { get; }

    /// <summary><c>http://127.0.0.1:PORT/v1</c>: the endpoint for an OpenAI-compatible client.</summary>
    public Uri BaseUrl => new(Root, "v1");

    /// <summary>Answers when the script is empty; null answers 400.</summary>
    public Func<ScriptedRequest, ScriptedStep>? Fallback { get; set; }

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<ScriptedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The most requests that were being answered at the same moment.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public static async Task<ScriptedOpenAiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        ScriptedOpenAiServer? server = null;
        app.MapPost("/v1/chat/completions", (HttpContext context) => server!.HandleAsync(context, null));
        app.MapPost("/openai/deployments/{deployment}/chat/completions",
            (HttpContext context, string deployment) => server!.HandleAsync(context, deployment));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new ScriptedOpenAiServer(app, new Uri(address.TrimEnd('/') + "/"));
        return server;
    }

    /// <summary>Queues a reply.</summary>
    public ScriptedOpenAiServer Reply(string content, int promptTokens = 11, int completionTokens = 7, TimeSpan delay = default) =>
        Enqueue(ScriptedStep.Reply(content, promptTokens, completionTokens, delay));

    /// <summary>Queues an error answer (e.g. 429 with <c>Retry-After</c>, or 500).</summary>
    public ScriptedOpenAiServer Fail(HttpStatusCode status, TimeSpan? retryAfter = null, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            Enqueue(ScriptedStep.Error(status, retryAfter));
        }

        return this;
    }

    public ScriptedOpenAiServer Enqueue(ScriptedStep step)
    {
        lock (_lock)
        {
            _script.Enqueue(step);
        }

        return this;
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context, string? deployment)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) == max)
            {
                break;
            }
        }

        try
        {
            var aborted = context.RequestAborted;
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: aborted);
            var request = Parse(context, body.RootElement.Clone(), deployment);
            ScriptedStep? step;
            lock (_lock)
            {
                _requests.Add(request);
                step = _script.TryDequeue(out var next) ? next : Fallback?.Invoke(request);
            }

            if (step is null)
            {
                await WriteErrorAsync(context, 400, "The scripted server's script is exhausted.", null, aborted);
                return;
            }

            if (step.Delay > TimeSpan.Zero)
            {
                await Task.Delay(step.Delay, aborted);
            }

            if (step.Status != 200)
            {
                await WriteErrorAsync(context, step.Status, $"Scripted failure {step.Status}.", step.RetryAfter, aborted);
            }
            else if (request.Stream)
            {
                await WriteStreamAsync(context, request, step, aborted);
            }
            else
            {
                await WriteCompletionAsync(context, request, step, aborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up (timeout): nothing to answer.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static ScriptedRequest Parse(HttpContext context, JsonElement body, string? deployment)
    {
        var messages = new List<(string, string)>();
        if (body.TryGetProperty("messages", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in list.EnumerateArray())
            {
                var role = m.TryGetProperty("role", out var r) ? r.GetString() ?? string.Empty : string.Empty;
                var content = m.TryGetProperty("content", out var c) ? Text(c) : string.Empty;
                messages.Add((role, content));
            }
        }

        var model = deployment ?? (body.TryGetProperty("model", out var mo) ? mo.GetString() ?? string.Empty : string.Empty);
        var stream = body.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var auth = context.Request.Headers.Authorization.FirstOrDefault() ?? context.Request.Headers["api-key"].FirstOrDefault();
        return new ScriptedRequest(context.Request.Path, model, messages, stream, body, auth);
    }

    // Content is a string, or an array of parts ({"type":"text","text":…}).
    private static string Text(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString() ?? string.Empty,
        JsonValueKind.Array => string.Concat(content.EnumerateArray()
            .Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : null)),
        _ => string.Empty,
    };

    private async Task WriteCompletionAsync(HttpContext context, ScriptedRequest request, ScriptedStep step, CancellationToken ct)
    {
        var completion = Envelope(request, "chat.completion");
        completion["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = step.Content },
            ["logprobs"] = null,
            ["finish_reason"] = "stop",
        });
        completion["usage"] = Usage(step);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(completion.ToJsonString(), ct);
    }

    private async Task WriteStreamAsync(HttpContext context, ScriptedRequest request, ScriptedStep step, CancellationToken ct)
    {
        context.Response.ContentType = "text/event-stream";
        var pieces = new List<JsonObject> { new() { ["role"] = "assistant", ["content"] = string.Empty } };
        for (var i = 0; i < step.Content.Length; i += 8)
        {
            pieces.Add(new JsonObject { ["content"] = step.Content.Substring(i, Math.Min(8, step.Content.Length - i)) });
        }

        foreach (var delta in pieces)
        {
            var chunk = Envelope(request, "chat.completion.chunk");
            chunk["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = null });
            await WriteEventAsync(context, chunk.ToJsonString(), ct);
        }

        var last = Envelope(request, "chat.completion.chunk");
        last["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = "stop" });
        await WriteEventAsync(context, last.ToJsonString(), ct);

        var includeUsage = request.Body.TryGetProperty("stream_options", out var so)
            && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
        if (includeUsage)
        {
            var usage = Envelope(request, "chat.completion.chunk");
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(step);
            await WriteEventAsync(context, usage.ToJsonString(), ct);
        }

        await WriteEventAsync(context, "[DONE]", ct);
    }

    private static async Task WriteEventAsync(HttpContext context, string data, CancellationToken ct)
    {
        await context.Response.WriteAsync($"data: {data}\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private JsonObject Envelope(ScriptedRequest request, string kind) => new()
    {
        ["id"] = "chatcmpl-scripted-" + Interlocked.Increment(ref _completionId).ToString(CultureInfo.InvariantCulture),
        ["object"] = kind,
        ["created"] = 1_700_000_000,
        ["model"] = request.Model,
        ["system_fingerprint"] = Fingerprint,
    };

    private static JsonObject Usage(ScriptedStep step) => new()
    {
        ["prompt_tokens"] = step.PromptTokens,
        ["completion_tokens"] = step.CompletionTokens,
        ["total_tokens"] = step.PromptTokens + step.CompletionTokens,
    };

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, TimeSpan? retryAfter, CancellationToken ct)
    {
        context.Response.StatusCode = status;
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        context.Response.ContentType = "application/json";
        var error = new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = "scripted", ["code"] = status.ToString(CultureInfo.InvariantCulture) },
        };
        await context.Response.WriteAsync(error.ToJsonString(), Encoding.UTF8, ct);
    }
}
