using EvoR.Llm.Chat;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace EvoR.Pipeline.Generation;

/// <summary>One LLM reply, with the label of where it came from (<c>model</c>, <c>replay</c>, <c>scripted</c>).</summary>
public sealed record LlmReply(string Step, string Text, string Source);

/// <summary>
/// The pipeline's one way to ask the LLM: the <see cref="PromptSet.System"/> prompt plus one user message, with the
/// configured temperature and output cap. Failures of the LLM layer (<c>LlmNotConfiguredException</c>,
/// <c>LlmCallFailedException</c>) and cancellation propagate; an empty reply is returned as empty text.
/// </summary>
public sealed class GenerationChat(IChatCompletionService chat, IOptions<EvoROptions> options)
{
    public async Task<LlmReply> AskAsync(string step, string prompt, CancellationToken cancellationToken)
    {
        var history = new ChatHistory(PromptSet.System);
        history.AddUserMessage(prompt);
        var o = options.Value;
        var settings = new OpenAIPromptExecutionSettings { Temperature = o.Temperature, MaxTokens = o.MaxOutputTokens };
        var replies = await chat.GetChatMessageContentsAsync(history, settings, kernel: null, cancellationToken);
        return replies.Count == 0
            ? new LlmReply(step, "", LlmSources.Model)
            : new LlmReply(step, replies[0].Content ?? "", LlmMetadata.GetSource(replies[0]));
    }
}
