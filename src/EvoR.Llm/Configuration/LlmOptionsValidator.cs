using Microsoft.Extensions.Options;

namespace EvoR.Llm.Configuration;

/// <summary>
/// Checks what data annotations cannot: a present endpoint is an absolute http(s) URL, a replay cassette exists, the
/// timeouts nest. Absent settings are not errors here (see <see cref="LlmAvailability"/>).
/// </summary>
internal sealed class LlmOptionsValidator : IValidateOptions<LlmOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Endpoint)
            && (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Llm:Endpoint '{options.Endpoint}' is not an absolute http(s) URL.");
        }

        if (options.ProviderName == LlmProviders.Replay && !string.IsNullOrWhiteSpace(options.Cassette) && !File.Exists(options.Cassette))
        {
            failures.Add($"Llm:Cassette '{options.Cassette}' does not exist.");
        }

        if (!string.IsNullOrWhiteSpace(options.RecordTo) && !string.IsNullOrWhiteSpace(options.Cassette)
            && string.Equals(Path.GetFullPath(options.RecordTo), Path.GetFullPath(options.Cassette), StringComparison.Ordinal))
        {
            failures.Add("Llm:RecordTo must not be the cassette being replayed (Llm:Cassette).");
        }

        var r = options.Resilience;
        if (r is not null && r.TotalTimeoutMs < r.AttemptTimeoutMs)
        {
            failures.Add("Llm:Resilience:TotalTimeoutMs must be at least Llm:Resilience:AttemptTimeoutMs.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
