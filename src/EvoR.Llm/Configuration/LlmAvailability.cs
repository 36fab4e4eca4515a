using Microsoft.Extensions.Options;

namespace EvoR.Llm.Configuration;

/// <summary>Whether a language model is configured, and if not, which settings are missing.</summary>
public interface ILlmAvailability
{
    /// <summary>True when calls can be made.</summary>
    bool IsConfigured { get; }

    /// <summary>The selected provider (<c>openai</c>, <c>azure</c>, <c>replay</c>).</summary>
    string Provider { get; }

    /// <summary>The configured model or deployment; for <c>replay</c> it may come from the cassette instead.</summary>
    string? Model { get; }

    /// <summary>The endpoint calls go to (without credentials), or null for <c>replay</c>.</summary>
    Uri? Endpoint { get; }

    /// <summary>Configuration keys that must be set before calls can be made; empty when configured.</summary>
    IReadOnlyList<string> MissingSettings { get; }

    /// <summary>Throws <see cref="LlmNotConfiguredException"/> unless <see cref="IsConfigured"/>.</summary>
    void EnsureConfigured();
}

/// <summary>Derives availability from <see cref="LlmOptions"/> once (options are read at start).</summary>
public sealed class LlmAvailability : ILlmAvailability
{
    /// <summary>Where the <c>openai</c> provider goes when <c>Llm:Endpoint</c> is not set.</summary>
    public static readonly Uri OpenAIDefaultEndpoint = new("https://api.openai.com/v1");

    public LlmAvailability(IOptions<LlmOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        Provider = o.ProviderName;
        Model = string.IsNullOrWhiteSpace(o.Model) ? null : o.Model.Trim();
        var missing = new List<string>();
        switch (Provider)
        {
            case LlmProviders.Azure:
                Endpoint = ParseEndpoint(o.Endpoint);
                if (Endpoint is null) missing.Add("Llm:Endpoint");
                if (Model is null) missing.Add("Llm:Model");
                if (string.IsNullOrWhiteSpace(o.ApiKey)) missing.Add("Llm:ApiKey");
                break;
            case LlmProviders.Replay:
                if (string.IsNullOrWhiteSpace(o.Cassette)) missing.Add("Llm:Cassette");
                break;
            default:
                Endpoint = ParseEndpoint(o.Endpoint) ?? OpenAIDefaultEndpoint;
                if (Model is null) missing.Add("Llm:Model");
                if (string.IsNullOrWhiteSpace(o.ApiKey) && Endpoint.Host == OpenAIDefaultEndpoint.Host) missing.Add("Llm:ApiKey");
                break;
        }

        MissingSettings = missing;
    }

    public bool IsConfigured => MissingSettings.Count == 0;

    public string Provider { get; }

    public string? Model { get; }

    public Uri? Endpoint { get; }

    public IReadOnlyList<string> MissingSettings { get; }

    public void EnsureConfigured()
    {
        if (!IsConfigured)
        {
            throw new LlmNotConfiguredException(Provider, MissingSettings);
        }
    }

    private static Uri? ParseEndpoint(string? endpoint) =>
        !string.IsNullOrWhiteSpace(endpoint) && Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) ? uri : null;
}
