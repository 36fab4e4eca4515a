using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Process;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Support;

/// <summary>The real sandbox with production defaults, shared by the integration tests of one collection. This one
/// runs the process backend; <see cref="DockerSandboxFixture"/> runs the same suites on the Docker backend.</summary>
public class SandboxFixture : IAsyncLifetime
{
    private ServiceProvider? _services;

    /// <summary>The backend under test (<c>Sandbox:Backend</c>).</summary>
    public virtual string Backend => "process";

    public IServiceProvider Services => _services!;

    /// <summary>Time allowed past a run's wall limit for start-up, the kill and the reaping (bubblewrap: 3 s).</summary>
    public virtual TimeSpan Grace => TimeSpan.FromSeconds(3);

    /// <summary>More settings for derived fixtures (e.g. the Docker runtime).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    public CodeExecutor Executor => _services!.GetRequiredService<CodeExecutor>();
    public ISandboxHealthProbe Health => _services!.GetRequiredService<ISandboxHealthProbe>();

    /// <summary>Why integration tests cannot run here, or null when they can.</summary>
    public string? SkipReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            // Two slots as on CI; a deep queue so the parallel hostile test is never refused.
            ["Sandbox:MaxConcurrency"] = "2",
            ["Sandbox:QueueLimit"] = "200",
            ["Sandbox:Backend"] = Backend,
        };
        foreach (var (key, value) in ExtraSettings)
        {
            settings[key] = value;
        }

        _services = Build(settings, ConfigureServices);
        SkipReason = await FindSkipReasonAsync(_services);
    }

    /// <summary>Why this fixture's backend cannot run here, or null when it can.</summary>
    protected virtual Task<string?> FindSkipReasonAsync(IServiceProvider services) => UnavailableReasonAsync(services);

    /// <summary>Why the process sandbox of these services cannot run here, or null when it can.</summary>
    public static async Task<string?> UnavailableReasonAsync(IServiceProvider services)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the process sandbox needs Linux";
        }

        var state = await ((ProcessSandboxBackend)services.GetRequiredService<ISandboxBackend>()).InitializeAsync();
        return state.Error is null ? null : $"process sandbox unavailable on this machine: {state.Error}";
    }

    public static ServiceProvider Build(IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        configure?.Invoke(services);
        return services.AddEvoRSandbox(configuration).BuildServiceProvider(validateScopes: true);
    }

    /// <summary>Registrations made before the sandbox's own (which only add what is not registered yet).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>A known gap of this backend for one kind of check (e.g. <c>compile</c>), with the reason; null when none.</summary>
    public virtual string? KnownGap(string check) => null;

    /// <summary>Skips the calling test, with the reason, when this backend has a known gap for the check.</summary>
    public void SkipIfKnownGap(string check)
    {
        if (KnownGap(check) is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    /// <summary>Skips the calling test, with the reason, when the sandbox cannot run here.</summary>
    public void SkipIfUnavailable()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _services?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "sandbox";
}
