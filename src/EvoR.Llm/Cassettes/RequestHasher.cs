using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace EvoR.Llm.Cassettes;

/// <summary>A request in canonical form: what the hash covers.</summary>
public sealed record CanonicalRequest(string Hash, string Model, IReadOnlyList<CassetteMessage> Messages, JsonObject Settings);

/// <summary>
/// The stable request hash: SHA-256 (lower-case hex) of the canonical JSON
/// <c>{"model":…,"messages":[{"role":…,"name":…,"content":…}],"settings":{…}}</c>, where settings are the ones that change
/// what a model answers (temperature, top_p, max_tokens, stop, seed, penalties, response format, system prompts,
/// logprobs, reasoning effort, plus any extension data), keys sorted, nulls dropped. Service ids, tool behaviours and
/// timestamps are not part of it.
/// </summary>
public static class RequestHasher
{
    public static string Hash(string model, ChatHistory history, PromptExecutionSettings? settings) =>
        Canonicalize(model, history, settings).Hash;

    public static CanonicalRequest Canonicalize(string model, ChatHistory history, PromptExecutionSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(history);
        var messages = history.Select(ToCassetteMessage).ToList();
        var canonicalSettings = CanonicalSettings(settings);

        var root = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(messages.Select(m =>
            {
                var o = new JsonObject { ["role"] = m.Role };
                if (m.Name is not null)
                {
                    o["name"] = m.Name;
                }

                o["content"] = m.Content;
                return (JsonNode)o;
            }).ToArray()),
            ["settings"] = canonicalSettings.DeepClone(),
        };
        var bytes = Encoding.UTF8.GetBytes(root.ToJsonString(CassetteJson.Options));
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return new CanonicalRequest(hash, model, messages, canonicalSettings);
    }

    /// <summary>The text of a message as hashed and recorded: its text items, then other items rendered by kind.</summary>
    public static CassetteMessage ToCassetteMessage(ChatMessageContent message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = new StringBuilder();
        foreach (var item in message.Items)
        {
            switch (item)
            {
                case TextContent t:
                    text.Append(t.Text);
                    break;
                case FunctionCallContent call:
                    text.Append("[call ").Append(call.PluginName).Append('-').Append(call.FunctionName)
                        .Append(JsonSerializer.Serialize(call.Arguments, CassetteJson.Options)).Append(']');
                    break;
                case FunctionResultContent result:
                    text.Append("[result ").Append(result.CallId).Append(' ').Append(result.Result?.ToString()).Append(']');
                    break;
                default:
                    text.Append('[').Append(item.GetType().Name).Append(']');
                    break;
            }
        }

        if (message.Items.Count == 0 && message.Content is not null)
        {
            text.Append(message.Content);
        }

        return new CassetteMessage(message.Role.Label, text.ToString(), message.AuthorName);
    }

    private static JsonObject CanonicalSettings(PromptExecutionSettings? settings)
    {
        var sorted = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (settings is not null)
        {
            var s = OpenAIPromptExecutionSettings.FromExecutionSettings(settings);
            Put(sorted, "temperature", s.Temperature);
            Put(sorted, "top_p", s.TopP);
            Put(sorted, "max_tokens", s.MaxTokens);
            Put(sorted, "seed", s.Seed);
            Put(sorted, "presence_penalty", s.PresencePenalty);
            Put(sorted, "frequency_penalty", s.FrequencyPenalty);
            Put(sorted, "logprobs", s.Logprobs);
            Put(sorted, "top_logprobs", s.TopLogprobs);
            Put(sorted, "chat_system_prompt", s.ChatSystemPrompt);
#pragma warning disable SKEXP0010 // experimental in SK, but it changes the answer, so it is part of the hash
            Put(sorted, "chat_developer_prompt", s.ChatDeveloperPrompt);
#pragma warning restore SKEXP0010
            if (s.StopSequences is { Count: > 0 } stop)
            {
                sorted["stop_sequences"] = new JsonArray(stop.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
            }

            Put(sorted, "response_format", Render(s.ResponseFormat));
            Put(sorted, "reasoning_effort", Render(s.ReasoningEffort));

            // Extension data the typed settings do not know (e.g. a provider-specific knob) still changes the answer.
            foreach (var (key, value) in settings.ExtensionData ?? new Dictionary<string, object>())
            {
                if (!sorted.ContainsKey(key) && key is not ("model_id" or "service_id" or "function_choice_behavior"))
                {
                    sorted[key] = value is null ? null : JsonSerializer.SerializeToNode(value, CassetteJson.Options);
                }
            }
        }

        var result = new JsonObject();
        foreach (var (key, value) in sorted)
        {
            if (value is not null)
            {
                result[key] = value;
            }
        }

        return result;
    }

    private static void Put<T>(SortedDictionary<string, JsonNode?> target, string key, T? value)
    {
        if (value is not null)
        {
            target[key] = JsonValue.Create(value);
        }
    }

    private static string? Render(object? value) => value switch
    {
        null => null,
        string s => s,
        Type t => t.FullName,
        JsonElement e => e.GetRawText(),
        _ => value.ToString(),
    };
}
