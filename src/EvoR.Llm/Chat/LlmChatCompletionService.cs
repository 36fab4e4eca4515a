using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using EvoR.Llm.Cassettes;
using EvoR.Llm.Configuration;
using EvoR.Llm.Diagnostics;
using EvoR.Llm.Usage;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace EvoR.Llm.Chat;

/// <summary>
/// The <see cref="IChatCompletionService"/> EvoR registers: the configured provider plus everything every call needs.
/// It refuses calls when no model is configured (<see cref="LlmNotConfiguredException"/>), hashes each request, stamps
/// every response with <see cref="LlmMetadata"/> (source, hash, usage), accumulates usage into the current
/// <see cref="ILlmUsageTracker"/> scopes and the <c>EvoR.Llm</c> meter, records the exchange when <c>Llm:RecordTo</c> is
/// set, and turns provider failures into <see cref="LlmCallFailedException"/>. A streamed call is recorded when it
/// completes; one abandoned by its reader is counted but not recorded.
/// </summary>
public sealed class LlmChatCompletionService : IChatCompletionService
{
    private readonly ILlmProviderFactory _factory;
    private readonly ILlmAvailability _availability;
    private readonly ILlmUsageTracker _usage;
    private readonly LlmTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CassetteRecorder? _recorder;
    private readonly Lock _lock = new();
    private LlmProvider? _provider;

    public LlmChatCompletionService(ILlmProviderFactory factory, ILlmAvailability availability, ILlmUsageTracker usage,
        LlmTelemetry telemetry, TimeProvider time, ILogger<LlmChatCompletionService> logger, CassetteRecorder? recorder = null)
    {
        _factory = factory;
        _availability = availability;
        _usage = usage;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        _recorder = recorder;
        Attributes = new Dictionary<string, object?> { [AIServiceExtensions.ModelIdKey] = availability.Model };
    }

    public IReadOnlyDictionary<string, object?> Attributes { get; }

    /// <summary>The provider, built on first use; throws <see cref="LlmNotConfiguredException"/> when none is configured.</summary>
    public LlmProvider Provider
    {
        get
        {
            if (_provider is { } ready)
            {
                return ready;
            }

            _availability.EnsureConfigured();
            lock (_lock)
            {
                return _provider ??= _factory.Create();
            }
        }
    }

    public async Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        var provider = ProviderOrFail();
        var request = RequestHasher.Canonicalize(executionSettings?.ModelId ?? provider.Model, chatHistory, executionSettings);
        using var activity = StartActivity(provider, request);
        var start = _time.GetTimestamp();

        IReadOnlyList<ChatMessageContent> responses;
        try
        {
            responses = await provider.Service.GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken);
        }
        catch (Exception e)
        {
            var translated = Failed(provider, request, e, start, activity, cancellationToken);
            if (translated is null)
            {
                throw;
            }

            throw translated;
        }

        var usage = UsageExtractor.FromMessages(responses);
        var source = responses.Count > 0 ? SourceOf(responses[0].Metadata) : LlmSources.Model;
        foreach (var response in responses)
        {
            response.Metadata = Stamp(response.Metadata, provider, request.Hash, source, usage);
        }

        await SucceededAsync(provider, request, source, usage, start, activity, chatHistory,
            responses.Select(r => new CassetteMessage(r.Role.Label, r.Content ?? string.Empty, r.AuthorName, FinishReason(r.Metadata))).ToList());
        return responses;
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        var provider = ProviderOrFail();
        var request = RequestHasher.Canonicalize(executionSettings?.ModelId ?? provider.Model, chatHistory, executionSettings);
        using var activity = StartActivity(provider, request);
        var start = _time.GetTimestamp();

        var text = new StringBuilder();
        LlmUsage? usage = null;
        string? source = null;
        string? finishReason = null;
        var role = AuthorRole.Assistant;
        var chunks = provider.Service.GetStreamingChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                StreamingChatMessageContent chunk;
                try
                {
                    if (!await chunks.MoveNextAsync())
                    {
                        break;
                    }

                    chunk = chunks.Current;
                }
                catch (Exception e)
                {
                    var translated = Failed(provider, request, e, start, activity, cancellationToken);
                    if (translated is null)
                    {
                        throw;
                    }

                    throw translated;
                }

                usage ??= UsageExtractor.FromMetadata(chunk.Metadata);
                source ??= SourceOf(chunk.Metadata);
                finishReason = FinishReason(chunk.Metadata) ?? finishReason;
                role = chunk.Role ?? role;
                text.Append(chunk.Content);
                chunk.Metadata = Stamp(chunk.Metadata, provider, request.Hash, source, usage);
                yield return chunk;
            }
        }
        finally
        {
            await chunks.DisposeAsync();
        }

        source ??= LlmSources.Model;
        await SucceededAsync(provider, request, source, usage, start, activity, chatHistory,
            [new CassetteMessage(role.Label, text.ToString(), null, finishReason)]);
    }

    private LlmProvider ProviderOrFail()
    {
        try
        {
            return Provider;
        }
        catch (LlmNotConfiguredException)
        {
            _usage.Record(null, TimeSpan.Zero, failed: true);
            _telemetry.RecordFailure(_availability.Provider, _availability.Model ?? "none", "not_configured", TimeSpan.Zero);
            throw;
        }
    }

    private static Activity? StartActivity(LlmProvider provider, CanonicalRequest request)
    {
        var activity = LlmTelemetry.ActivitySource.StartActivity($"chat {request.Model}", ActivityKind.Client);
        activity?.SetTag("gen_ai.operation.name", "chat");
        activity?.SetTag("gen_ai.system", provider.Name);
        activity?.SetTag("gen_ai.request.model", request.Model);
        activity?.SetTag(LlmMetadata.RequestHash, request.Hash);
        return activity;
    }

    private async Task SucceededAsync(LlmProvider provider, CanonicalRequest request, string source, LlmUsage? usage, long start,
        Activity? activity, ChatHistory history, IReadOnlyList<CassetteMessage> responses)
    {
        var duration = _time.GetElapsedTime(start);
        _usage.Record(usage, duration, failed: false);
        _telemetry.RecordSuccess(provider.Name, request.Model, source, usage, duration);
        activity?.SetTag(LlmMetadata.Source, source);
        activity?.SetTag("gen_ai.usage.input_tokens", usage?.InputTokens);
        activity?.SetTag("gen_ai.usage.output_tokens", usage?.OutputTokens);
        Log.CallFinished(_logger, request.Hash, provider.Name, request.Model, source, (long)duration.TotalMilliseconds,
            usage?.InputTokens ?? -1, usage?.OutputTokens ?? -1);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.Exchange(_logger, request.Hash, history.LastOrDefault(m => m.Role == AuthorRole.User)?.Content ?? string.Empty,
                responses.Count > 0 ? responses[0].Content : string.Empty);
        }

        if (_recorder is null)
        {
            return;
        }

        var entry = new CassetteEntry
        {
            Hash = request.Hash,
            Provider = provider.Name,
            Model = request.Model,
            Messages = request.Messages,
            Settings = request.Settings.Count > 0 ? request.Settings : null,
            Responses = responses,
            Usage = usage,
            Source = source,
            RecordedAt = _time.GetUtcNow(),
        };
        try
        {
            await _recorder.AppendAsync(entry);
        }
        catch (IOException e)
        {
            // A run asked to be recorded must not silently lose exchanges: fail the call.
            Log.RecordFailed(_logger, _recorder.Path, e.Message);
            throw;
        }
        catch (UnauthorizedAccessException e)
        {
            Log.RecordFailed(_logger, _recorder.Path, e.Message);
            throw;
        }
    }

    /// <summary>Counts a failure; returns the exception to throw instead, or null to rethrow the original.</summary>
    private LlmCallFailedException? Failed(LlmProvider provider, CanonicalRequest request, Exception e, long start, Activity? activity,
        CancellationToken cancellationToken)
    {
        var duration = _time.GetElapsedTime(start);
        _usage.Record(null, duration, failed: true);
        if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            _telemetry.RecordFailure(provider.Name, request.Model, "canceled", duration);
            activity?.SetStatus(ActivityStatusCode.Error, "canceled");
            return null;
        }

        if (e is CassetteMissException miss)
        {
            Log.CassetteMiss(_logger, miss.RequestHash, miss.Cassette);
        }

        var classified = LlmFailureClassifier.Classify(e);
        var errorType = classified?.Kind.ToString() ?? e.GetType().Name;
        _telemetry.RecordFailure(provider.Name, request.Model, errorType, duration);
        activity?.SetStatus(ActivityStatusCode.Error, errorType);
        activity?.SetTag("error.type", errorType);
        Log.CallFailed(_logger, request.Hash, provider.Name, request.Model, (long)duration.TotalMilliseconds, errorType);
        return classified is { } c ? new LlmCallFailedException(c.Kind, provider.Name, request.Model, c.Detail, e, c.Status) : null;
    }

    private static string SourceOf(IReadOnlyDictionary<string, object?>? metadata)
    {
        if (metadata is null)
        {
            return LlmSources.Model;
        }

        if (metadata.TryGetValue(LlmMetadata.Source, out var s) && s is string source)
        {
            return source;
        }

        return metadata.TryGetValue("SystemFingerprint", out var f) && f is string fingerprint
            && fingerprint.StartsWith(LlmMetadata.ScriptedFingerprintPrefix, StringComparison.Ordinal)
            ? LlmSources.Scripted
            : LlmSources.Model;
    }

    private static string? FinishReason(IReadOnlyDictionary<string, object?>? metadata) =>
        metadata is not null && metadata.TryGetValue("FinishReason", out var reason) ? reason?.ToString() : null;

    private static Dictionary<string, object?> Stamp(IReadOnlyDictionary<string, object?>? metadata, LlmProvider provider, string hash,
        string source, LlmUsage? usage)
    {
        var stamped = LlmMetadata.Copy(metadata);
        stamped[LlmMetadata.Source] = source;
        stamped[LlmMetadata.RequestHash] = hash;
        stamped.TryAdd(LlmMetadata.Provider, provider.Name);
        if (usage is not null)
        {
            stamped[LlmMetadata.Usage] = usage;
        }

        return stamped;
    }
}
