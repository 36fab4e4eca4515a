using EvoR.Llm.Chat;
using Microsoft.SemanticKernel;
using OpenAI.Chat;

namespace EvoR.Llm.Usage;

/// <summary>Reads token usage from a response's metadata: EvoR's own key first, then the OpenAI connector's <c>Usage</c>.</summary>
public static class UsageExtractor
{
    /// <summary>Usage of a response, or null when the provider reported none.</summary>
    public static LlmUsage? FromMetadata(IReadOnlyDictionary<string, object?>? metadata)
    {
        if (metadata is null)
        {
            return null;
        }

        if (metadata.TryGetValue(LlmMetadata.Usage, out var own) && own is LlmUsage usage)
        {
            return usage;
        }

        return metadata.TryGetValue("Usage", out var raw) && raw is ChatTokenUsage openAi
            ? new LlmUsage(openAi.InputTokenCount, openAi.OutputTokenCount)
            : null;
    }

    /// <summary>Usage of a whole response (several choices count once: the provider reports usage per request).</summary>
    public static LlmUsage? FromMessages(IEnumerable<KernelContent> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            if (FromMetadata(message.Metadata) is { } usage)
            {
                return usage;
            }
        }

        return null;
    }
}
