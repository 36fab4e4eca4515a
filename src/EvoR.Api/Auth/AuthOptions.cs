using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Auth;

/// <summary>
/// Configuration section <c>Auth</c>. With at least one key, every <c>/v1</c> route requires
/// <c>Authorization: Bearer &lt;key&gt;</c>; with none, the service only starts on loopback addresses.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Accepted API keys, stored as hashes only. Default: none (open on loopback only).</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];
}

/// <summary>One API key: <c>Auth:ApiKeys:N:Name</c> and <c>Auth:ApiKeys:N:Sha256</c>.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>Who holds the key; used as the rate-limit partition and in logs (never the key itself).</summary>
    [Required]
    public string Name { get; set; } = "";

    /// <summary>Lowercase hex SHA-256 of the key's UTF-8 bytes (64 characters), e.g.
    /// <c>printf %s "$KEY" | sha256sum</c>.</summary>
    [Required]
    public string Sha256 { get; set; } = "";
}

/// <summary>Checks each key entry: a name, unique, and a 64-character hex hash.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                failures.Add($"Auth:ApiKeys:{i}:Name is required.");
            }
            else if (!names.Add(key.Name))
            {
                failures.Add($"Auth:ApiKeys:{i}:Name '{key.Name}' is used by another key.");
            }

            if (!ApiKeyHash.IsValidHex(key.Sha256))
            {
                failures.Add($"Auth:ApiKeys:{i}:Sha256 must be the 64-character lowercase hex SHA-256 of the key " +
                             "(printf %s \"$KEY\" | sha256sum).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
