using System.Runtime.CompilerServices;
using EvoR.Llm.Chat;
using EvoR.Llm.Usage;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace EvoR.Testing;

/// <summary>
/// An in-process <see cref="IChatCompletionService"/> that answers with scripted replies, in order, and keeps every
/// prompt it saw. Replies carry <c>evor.source = scripted</c>: they are never model output. When the script is empty,
/// <see cref="Responder"/> answers, or the call fails naming the prompt.
/// </summary>
public sealed class ScriptedChatCompletionService : IChatCompletionService
{
    private readonly Queue<(string Reply, LlmUsage? Usage)> _script = new();
    private readonly List<ChatHistory> _prompts = [];
    private readonly Lock _lock = new();

    public ScriptedChatCompletionService(params string[] replies)
    {
        foreach (var reply in replies)
        {
            Enqueue(reply);
        }
    }

    /// <summary>The model name reported in responses.</summary>
    public string Model { get; init; } = "scripted";

    /// <summary>Answers when the script is empty; null makes such a call fail.</summary>
    public Func<ChatHistory, string>? Responder { get; set; }

    public IReadOnlyDictionary<string, object?> Attributes => new Dictionary<string, object?> { [AIServiceExtensions.ModelIdKey] = Model };

    /// <summary>Copies of every chat history this service was asked, in call order.</summary>
    public IReadOnlyList<ChatHistory> Prompts
    {
        get
        {
            lock (_lock)
            {
                return [.. _prompts];
            }
        }
    }

    /// <summary>Adds a reply; usage defaults to a deterministic estimate (4 characters a token).</summary>
    public ScriptedChatCompletionService Enqueue(string reply, LlmUsage? usage = null)
    {
        lock (_lock)
        {
            _script.Enqueue((reply, usage));
        }

        return this;
    }

    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (reply, usage) = Next(chatHistory);
        IReadOnlyList<ChatMessageContent> result =
            [new ChatMessageContent(AuthorRole.Assistant, reply, Model, metadata: Metadata(usage))];
        return Task.FromResult(result);
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (reply, usage) = Next(chatHistory);
        const int ChunkLength = 8;
        for (var i = 0; i < reply.Length || i == 0; i += ChunkLength)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            var piece = reply.Length == 0 ? string.Empty : reply.Substring(i, Math.Min(ChunkLength, reply.Length - i));
            var last = i + ChunkLength >= reply.Length;
            yield return new StreamingChatMessageContent(i == 0 ? AuthorRole.Assistant : null, piece, modelId: Model,
                metadata: last ? Metadata(usage) : new Dictionary<string, object?> { [LlmMetadata.Source] = LlmSources.Scripted });
        }
    }

    private (string Reply, LlmUsage Usage) Next(ChatHistory chatHistory)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        string reply;
        LlmUsage? usage;
        lock (_lock)
        {
            _prompts.Add([.. chatHistory]);
            if (_script.TryDequeue(out var scripted))
            {
                (reply, usage) = scripted;
            }
            else if (Responder is { } responder)
            {
                (reply, usage) = (responder(chatHistory), null);
            }
            else
            {
                var last = chatHistory.LastOrDefault(m => m.Role == AuthorRole.User)?.Content ?? "(no user message)";
                throw new InvalidOperationException($"The scripted chat service has no reply left for: {last[..Math.Min(last.Length, 120)]}");
            }
        }

        var promptChars = chatHistory.Sum(m => m.Content?.Length ?? 0);
        return (reply, usage ?? new LlmUsage((promptChars + 3) / 4, (reply.Length + 3) / 4));
    }

    private static Dictionary<string, object?> Metadata(LlmUsage usage) => new(StringComparer.Ordinal)
    {
        [LlmMetadata.Source] = LlmSources.Scripted,
        [LlmMetadata.Usage] = usage,
        [LlmMetadata.Provider] = "scripted",
    };
}
