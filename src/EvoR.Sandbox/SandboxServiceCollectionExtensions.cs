using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Diagnostics;
using EvoR.Sandbox.Docker;
using EvoR.Sandbox.Docker.Fleet;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Languages;
using EvoR.Sandbox.Process;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox;

/// <summary>The sandbox's one registration entry.</summary>
public static class SandboxServiceCollectionExtensions
{
    /// <summary>
    /// Binds section <c>Sandbox</c> (validated on start) and registers <see cref="ICodeExecutor"/>,
    /// <see cref="ISandboxHealthProbe"/>, the language catalog, the limits policy and the configured backend.
    /// </summary>
    public static IServiceCollection AddEvoRSandbox(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SandboxOptions>()
            .Bind(configuration.GetSection(SandboxOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => Validator.TryValidateObject(o.Docker, new ValidationContext(o.Docker), null, validateAllProperties: true),
                "Sandbox:Docker has a value out of range (see DockerSandboxOptions).")
            .Validate(o => o.DefaultLimits.TimeoutMs <= o.MaxLimits.TimeoutMs && o.DefaultLimits.MemoryMb <= o.MaxLimits.MemoryMb
                && o.DefaultLimits.OutputBytes <= o.MaxLimits.OutputBytes, "Sandbox:DefaultLimits must not exceed Sandbox:MaxLimits.")
            .Validate(o => o.Libraries.All(l => NamedLibraries.NameProblem(l.Key) is null && Path.IsPathRooted(l.Value.Path))
                && o.Process.Libraries.All(l => NamedLibraries.NameProblem(l.Key) is null && Path.IsPathRooted(l.Value)),
                "Sandbox:Libraries: a library's name is letters, digits, '-' and '_', and its Path an absolute host folder.")
            .Validate(o => DockerFleetFactory.IsValid(o.Docker),
                "Sandbox:Docker:Engines or :Breaker has a value out of range (an engine needs a unix:// or tcp:// Endpoint; Tls only with tcp://).")
            .PostConfigure(DockerFleetFactory.PostConfigure)
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => LanguageCatalog.LoadBuiltIn());
        services.TryAddSingleton<LimitsPolicy>();
        services.TryAddSingleton<NamedLibraries>();
        services.TryAddSingleton(sp => new OutputBudget(sp.GetRequiredService<IOptions<SandboxOptions>>().Value.MaxTotalOutputBytes));
        services.TryAddSingleton(sp => new SandboxTelemetry(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<DockerImageResolver>();
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<DockerSandboxBackend>(sp));
        services.TryAddSingleton(DockerFleetFactory.Create);
        services.TryAddSingleton<IEngineFleet>(sp => sp.GetRequiredService<IOptions<SandboxOptions>>().Value.Backend == "docker"
            ? sp.GetRequiredService<DockerFleetBackend>() : NoEngineFleet.Instance);
        services.TryAddSingleton<ISandboxBackend>(sp => sp.GetRequiredService<IOptions<SandboxOptions>>().Value.Backend switch
        {
            "docker" => sp.GetRequiredService<DockerFleetBackend>(),
            _ when OperatingSystem.IsLinux() => ActivatorUtilities.CreateInstance<ProcessSandboxBackend>(sp),
            _ => throw new PlatformNotSupportedException("The process sandbox needs Linux (bubblewrap, namespaces, cgroups)."),
        });
        services.TryAddSingleton<ILanguageAvailability>(sp => sp.GetRequiredService<IOptions<SandboxOptions>>().Value.Backend == "docker"
            ? ActivatorUtilities.CreateInstance<DockerImageAvailability>(sp)
            : ActivatorUtilities.CreateInstance<HostToolchainAvailability>(sp));
        services.TryAddSingleton<CodeExecutor>();
        services.TryAddSingleton<ICodeExecutor>(sp => sp.GetRequiredService<CodeExecutor>());
        services.TryAddSingleton<ISandboxHealthProbe, SandboxHealthProbe>();
        return services;
    }
}
