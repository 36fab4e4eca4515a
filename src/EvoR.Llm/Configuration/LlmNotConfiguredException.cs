namespace EvoR.Llm.Configuration;

/// <summary>
/// No language model is configured, so nothing was asked and nothing is invented. <see cref="MissingSettings"/> names
/// the configuration keys to set (an API maps this to 503, problem type <c>urn:evor:problem:llm-not-configured</c>).
/// </summary>
public sealed class LlmNotConfiguredException : Exception
{
    public LlmNotConfiguredException(string provider, IReadOnlyList<string> missingSettings)
        : base(BuildMessage(provider, missingSettings))
    {
        Provider = provider;
        MissingSettings = missingSettings;
    }

    public LlmNotConfiguredException()
        : this(LlmProviders.OpenAI, ["Llm:Model"])
    {
    }

    public LlmNotConfiguredException(string message)
        : base(message)
    {
        Provider = LlmProviders.None;
        MissingSettings = [];
    }

    public LlmNotConfiguredException(string message, Exception innerException)
        : base(message, innerException)
    {
        Provider = LlmProviders.None;
        MissingSettings = [];
    }

    /// <summary>The provider the configuration selects (<c>openai</c> when none is named).</summary>
    public string Provider { get; }

    /// <summary>Configuration keys (<c>Llm:Model</c> form) that must be set.</summary>
    public IReadOnlyList<string> MissingSettings { get; }

    private static string BuildMessage(string provider, IReadOnlyList<string> missing)
    {
        var keys = string.Join(", ", missing);
        var env = string.Join(", ", missing.Select(m => m.Replace(":", "__", StringComparison.Ordinal)));
        return $"No language model is configured (provider '{provider}'): set {keys} (environment {env}). "
            + "Llm:Provider picks openai (any OpenAI-compatible endpoint, with Llm:Endpoint), azure or replay (with Llm:Cassette).";
    }
}
