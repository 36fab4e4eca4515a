using System.Runtime.CompilerServices;
using EvoR.Llm.Chat;
using EvoR.Llm.Configuration;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace EvoR.Llm.Cassettes;

/// <summary>
/// Serves a cassette back, deterministically: a request is hashed like when it was recorded and answered with the
/// recorded response; when the same request was recorded several times, its responses are served in recorded order
/// and the last one repeats. A request the cassette does not hold fails with <see cref="CassetteMissException"/>.
/// Responses carry <c>evor.source = replay</c> and the recorded usage.
/// </summary>
public sealed class ReplayChatCompletionService : IChatCompletionService
{
    private readonly Dictionary<string, List<CassetteEntry>> _byHash;
    private readonly Dictionary<string, int> _served = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <param name="entries">The recorded exchanges.</param>
    /// <param name="model">The model requests are hashed with; null takes the cassette's model when it holds only one.</param>
    /// <param name="cassette">A name for the cassette in messages (its path).</param>
    public ReplayChatCompletionService(IEnumerable<CassetteEntry> entries, string? model = null, string cassette = "(in memory)")
    {
        ArgumentNullException.ThrowIfNull(entries);
        var all = entries.ToList();
        _byHash = all.GroupBy(e => e.Hash, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var models = all.Select(e => e.Model).Distinct(StringComparer.Ordinal).ToList();
        Model = model ?? (models.Count == 1 ? models[0] : null)
            ?? throw new ArgumentException($"The cassette '{cassette}' holds {models.Count} models; set Llm:Model to the one to replay.", nameof(model));
        Cassette = cassette;
        Count = all.Count;
        Attributes = new Dictionary<string, object?> { [AIServiceExtensions.ModelIdKey] = Model };
    }

    /// <summary>Loads a cassette file (see <see cref="CassetteJson.ReadAll"/>).</summary>
    public static ReplayChatCompletionService Load(string path, string? model = null) =>
        new(CassetteJson.ReadAll(path), model, path);

    public string Model { get; }

    public string Cassette { get; }

    /// <summary>Exchanges in the cassette.</summary>
    public int Count { get; }

    public IReadOnlyDictionary<string, object?> Attributes { get; }

    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (hash, entry) = Find(chatHistory, executionSettings);
        IReadOnlyList<ChatMessageContent> responses = entry.Responses
            .Select(r => new ChatMessageContent(new AuthorRole(r.Role), r.Content, Model, metadata: Metadata(hash, entry, r)))
            .ToList();
        return Task.FromResult(responses);
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (hash, entry) = Find(chatHistory, executionSettings);
        await Task.CompletedTask;
        var first = entry.Responses.Count > 0 ? entry.Responses[0] : new CassetteMessage("assistant", string.Empty);
        yield return new StreamingChatMessageContent(new AuthorRole(first.Role), first.Content, modelId: Model,
            metadata: Metadata(hash, entry, first));
    }

    private (string Hash, CassetteEntry Entry) Find(ChatHistory chatHistory, PromptExecutionSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        var hash = RequestHasher.Hash(settings?.ModelId ?? Model, chatHistory, settings);
        if (!_byHash.TryGetValue(hash, out var recorded))
        {
            var lastUser = chatHistory.LastOrDefault(m => m.Role == AuthorRole.User)?.Content;
            throw new CassetteMissException(Cassette, hash, settings?.ModelId ?? Model, lastUser);
        }

        lock (_lock)
        {
            var index = _served.GetValueOrDefault(hash);
            _served[hash] = index + 1;
            return (hash, recorded[Math.Min(index, recorded.Count - 1)]);
        }
    }

    private static Dictionary<string, object?> Metadata(string hash, CassetteEntry entry, CassetteMessage response) => new(StringComparer.Ordinal)
    {
        [LlmMetadata.Source] = LlmSources.Replay,
        [LlmMetadata.RequestHash] = hash,
        [LlmMetadata.Usage] = entry.Usage,
        [LlmMetadata.Provider] = LlmProviders.Replay,
        ["FinishReason"] = response.FinishReason,
    };
}
