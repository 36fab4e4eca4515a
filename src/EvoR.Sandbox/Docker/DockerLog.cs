using Microsoft.Extensions.Logging;

namespace EvoR.Sandbox.Docker;

/// <summary>Log messages of the Docker backend, with stable event ids (1100–1149).</summary>
internal static partial class DockerLog
{
    [LoggerMessage(1100, LogLevel.Information, "Docker sandbox ready: engine {Version} (API {ApiVersion}) at {Endpoint}, runtime {Runtime}, pool {PoolSize} per profile")]
    public static partial void Ready(ILogger logger, string version, string apiVersion, string endpoint, string runtime, int poolSize);

    [LoggerMessage(1101, LogLevel.Warning, "Docker sandbox unavailable: {Reason}")]
    public static partial void Unavailable(ILogger logger, string reason);

    [LoggerMessage(1102, LogLevel.Information, "Removed {Count} sandbox containers left behind by dead instances of this service")]
    public static partial void LeftoversRemoved(ILogger logger, int count);

    [LoggerMessage(1103, LogLevel.Debug, "Could not fill the container pool for {Image}: {Reason}")]
    public static partial void PoolFillFailed(ILogger logger, string image, string reason);

    [LoggerMessage(1104, LogLevel.Warning, "A background engine call failed: {Reason}")]
    public static partial void BackgroundCallFailed(ILogger logger, string reason);

    [LoggerMessage(1105, LogLevel.Warning, "Could not list or remove leftover sandbox containers: {Reason}")]
    public static partial void ReapFailed(ILogger logger, string reason);

    [LoggerMessage(1120, LogLevel.Debug, "Scope {Scope}: container {Container} removed instead of reused: {Reason}")]
    public static partial void ScopeContainerDiscarded(ILogger logger, string scope, string container, string reason);

    [LoggerMessage(1121, LogLevel.Debug, "Scope {Scope} ended: {Count} containers removed")]
    public static partial void ScopeEnded(ILogger logger, string scope, int count);
}
