using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Llm.Chat;

/// <summary>The chat service that answers calls, and what it is: the layer under <see cref="LlmChatCompletionService"/>.</summary>
/// <param name="Name">The provider name (<c>openai</c>, <c>azure</c>, <c>replay</c>, or a test double's).</param>
/// <param name="Model">The model requests go to and are hashed with (unless the settings name another).</param>
/// <param name="Service">The connector (or replay, or double).</param>
/// <param name="Endpoint">Where requests go, when over HTTP.</param>
public sealed record LlmProvider(string Name, string Model, IChatCompletionService Service, Uri? Endpoint = null);

/// <summary>Builds the provider once, on first use. Replace it to put a double under the whole LLM layer.</summary>
public interface ILlmProviderFactory
{
    /// <summary>The provider; throws <see cref="Configuration.LlmNotConfiguredException"/> when none is configured.</summary>
    LlmProvider Create();
}
