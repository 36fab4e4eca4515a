using EvoR.Api.Auth;
using EvoR.Api.Generations;
using EvoR.Api.Telemetry;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Knowledge;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Extensions;

/// <summary>
/// Configuration section <c>Data</c>: the one folder everything the service keeps lands in, so it can be found and
/// backed up. <c>Data:Root</c> defaults to <c>$XDG_DATA_HOME/evor</c>, else <c>~/.local/share/evor</c> (the XDG base
/// directory convention: the same folder whichever directory the service was started from), else <c>./data</c> when no
/// home is known. The Docker image sets it to its volume. Named once in the start-up log.
/// </summary>
public sealed class DataOptions
{
    public const string SectionName = "Data";

    /// <summary>The data folder; a relative path is under the working directory. Default: see <see cref="DataOptions"/>.
    /// Under it, unless set on their own: <c>knowledge/</c> (<c>Knowledge:RootPath</c>: the knowledge bases and the
    /// embedding cache), <c>generations.db</c> (<c>Generations:DatabasePath</c>: the job database) and
    /// <c>cache/models/</c> (<c>Embeddings:QuantizedModelDirectory</c>: the int8 embedding model). Those settings, when
    /// relative, are under this folder too.</summary>
    public string? Root { get; set; }

    /// <summary>The data folder, absolute.</summary>
    public string ResolvedRoot => ResolveRoot(Root, Environment.GetEnvironmentVariable);

    internal static string ResolveRoot(string? configured, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured.Trim());
        }

        if (environment("XDG_DATA_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "evor");
        }

        return environment("HOME") is { Length: > 0 } home && Path.IsPathRooted(home)
            ? Path.Combine(home, ".local", "share", "evor")
            : Path.GetFullPath("data");
    }

    /// <summary>A store's path: its own setting when absolute, under the data folder when relative, else the default
    /// name under the data folder.</summary>
    internal static string Under(string root, string? configured, string defaultName) =>
        string.IsNullOrWhiteSpace(configured) ? Path.Combine(root, defaultName)
        : Path.IsPathRooted(configured) ? configured
        : Path.GetFullPath(Path.Combine(root, configured));
}

/// <summary>Registration of the data folder: every store's default path under it.</summary>
public static class DataRootExtensions
{
    public static IServiceCollection AddDataRoot(this IServiceCollection services)
    {
        services.AddOptions<DataOptions>().BindConfiguration(DataOptions.SectionName);
        services.AddOptions<KnowledgeOptions>().PostConfigure<IConfiguration, IOptions<DataOptions>>((o, configuration, data) =>
            o.RootPath = DataOptions.Under(data.Value.ResolvedRoot, configuration[$"{KnowledgeOptions.SectionName}:RootPath"], "knowledge"));
        services.AddOptions<GenerationOptions>().PostConfigure<IConfiguration, IOptions<DataOptions>>((o, configuration, data) =>
            o.DatabasePath = DataOptions.Under(data.Value.ResolvedRoot, configuration[$"{GenerationOptions.SectionName}:DatabasePath"], "generations.db"));
        services.AddOptions<EmbeddingOptions>().PostConfigure<IConfiguration, IOptions<DataOptions>>((o, configuration, data) =>
            o.QuantizedModelDirectory = DataOptions.Under(data.Value.ResolvedRoot,
                configuration[$"{EmbeddingOptions.SectionName}:QuantizedModelDirectory"], Path.Combine("cache", "models")));
        // Before the stores open their files.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DataRootReporter>());
        return services;
    }
}

/// <summary>At start: creates the data folder and names it, with every store under it, in one log line.</summary>
internal sealed class DataRootReporter(
    IOptions<DataOptions> data, IOptions<KnowledgeOptions> knowledge, IOptions<GenerationOptions> generations,
    ILogger<DataRootReporter> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var root = data.Value.ResolvedRoot;
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StartupRefusedException($"the data folder {root} (setting Data:Root) cannot be created: {error.Message}");
        }

        ApiLog.DataFolder(logger, root, knowledge.Value.RootPath,
            generations.Value.UsesPostgres ? "PostgreSQL (ConnectionStrings:EvoR)" : generations.Value.DatabasePath);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
