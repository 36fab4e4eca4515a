using System.Net;
using EvoR.Api.Telemetry;

namespace EvoR.Api.Auth;

/// <summary>
/// Refuses to start an open API beyond loopback: when no key is configured and any configured address (<c>urls</c> /
/// <c>--urls</c> / <c>ASPNETCORE_URLS</c>, <c>http_ports</c>, <c>https_ports</c>, <c>Kestrel:Endpoints:*:Url</c>) binds
/// a non-loopback address, it logs why and fails the start before the server listens.
/// </summary>
internal sealed class LoopbackGuard(IConfiguration configuration, ApiKeyStore keys, ILogger<LoopbackGuard> logger) : IHostedService
{
    /// <summary>Kestrel's address when nothing is configured.</summary>
    private const string DefaultAddress = "http://localhost:5000";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (keys.HasKeys)
        {
            ApiLog.ApiKeysConfigured(logger, keys.Count);
            return Task.CompletedTask;
        }

        var addresses = ConfiguredAddresses(configuration);
        var exposed = addresses.Where(a => !IsLoopback(a)).ToList();
        if (exposed.Count > 0)
        {
            var list = string.Join(", ", exposed);
            ApiLog.RefusingOpenNonLoopback(logger, list);
            throw new StartupRefusedException(
                $"Refusing to listen on {list} without an API key: configure Auth:ApiKeys or listen on loopback only.");
        }

        ApiLog.OpenOnLoopback(logger, string.Join(", ", addresses));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every address the server would bind, as configured.</summary>
    internal static IReadOnlyList<string> ConfiguredAddresses(IConfiguration configuration)
    {
        var addresses = new List<string>();
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
            {
                addresses.Add(url);
            }
        }

        // Kestrel:Endpoints, when present, replace the urls and ports settings.
        if (addresses.Count > 0)
        {
            return addresses;
        }

        addresses.AddRange(Split(configuration["urls"]));
        foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
        {
            // Ports alone bind every interface.
            addresses.AddRange(Split(configuration[key]).Select(port => $"{scheme}://*:{port}"));
        }

        return addresses.Count > 0 ? addresses : [DefaultAddress];
    }

    /// <summary>Whether an address binds loopback only: <c>localhost</c>, a loopback IP, or a local pipe. Anything
    /// else (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>, a host name, a public IP) binds beyond it.</summary>
    internal static bool IsLoopback(string address)
    {
        BindingAddress parsed;
        try
        {
            parsed = BindingAddress.Parse(address);
        }
        catch (FormatException)
        {
            return false;
        }

        if (parsed.IsUnixPipe || parsed.IsNamedPipe)
        {
            return true;
        }

        return string.Equals(parsed.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(parsed.Host, out var ip) && IPAddress.IsLoopback(ip));
    }

    private static IEnumerable<string> Split(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>The configuration forbids starting (not a crash): Program reports it without a stack trace.</summary>
internal sealed class StartupRefusedException(string message) : InvalidOperationException(message);
