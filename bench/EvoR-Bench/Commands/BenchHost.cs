using EvoR.Bench.Runs;
using EvoR.Llm;
using EvoR.Bench.Scoring;
using EvoR.Pipeline;
using EvoR.Sandbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Bench.Commands;

/// <summary>
/// The bench's container: the real sandbox (<c>AddEvoRSandbox</c>, section <c>Sandbox</c>) configured from
/// environment variables (<c>Sandbox__Key</c>) overridden by the command line (<c>--Sandbox:Key=value</c>), plus the
/// scorer; for <c>run</c>, also the LLM layer (section <c>Llm</c>), the pipeline (sections <c>EvoR</c>, <c>Knowledge</c>…) and
/// <see cref="BenchRunner"/>. Hosted services are started and stopped as a generic host would.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IReadOnlyList<IHostedService> _hosted;

    private BenchHost(ServiceProvider services, IReadOnlyList<IHostedService> hosted)
    {
        _services = services;
        _hosted = hosted;
    }

    public IServiceProvider Services => _services;

    public ICodeExecutor Executor => _services.GetRequiredService<ICodeExecutor>();

    public BenchRunner Runner => _services.GetRequiredService<BenchRunner>();

    public HumanEvalScorer Scorer => _services.GetRequiredService<HumanEvalScorer>();

    public SandboxOptions SandboxOptions => _services.GetRequiredService<IOptions<SandboxOptions>>().Value;

    /// <summary>Executions the sandbox runs at once: <see cref="SandboxOptions.MaxConcurrency"/>, 0 meaning the cores.</summary>
    public int PoolSize => SandboxOptions.MaxConcurrency > 0 ? SandboxOptions.MaxConcurrency : Environment.ProcessorCount;

    /// <summary>Environment variables, then <paramref name="commandLine"/> (<c>--Section:Key=value</c> items).</summary>
    public static IConfiguration BuildConfiguration(IEnumerable<string> commandLine) =>
        new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine([.. commandLine])
            .Build();

    /// <summary>Builds the container, validates the sandbox options and starts hosted services.</summary>
    /// <exception cref="OptionsValidationException">The <c>Sandbox</c> section is invalid.</exception>
    public static async Task<BenchHost> StartAsync(IConfiguration configuration, CancellationToken cancellationToken = default) =>
        await StartAsync(configuration, withPipeline: false, configure: null, cancellationToken);

    /// <summary>Builds the container (with the LLM layer and pipeline when <paramref name="withPipeline"/>), lets
    /// <paramref name="configure"/> replace services (a scripted model in tests), validates options and starts hosted services.</summary>
    public static async Task<BenchHost> StartAsync(IConfiguration configuration, bool withPipeline, Action<IServiceCollection>? configure,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var services = new ServiceCollection()
            .AddLogging(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddConfiguration(configuration.GetSection("Logging"))
                // Logs go to stderr so that stdout holds only the report.
                .AddSimpleConsole(console => console.SingleLine = true)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace))
            .AddEvoRSandbox(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HumanEvalScorer>();
        if (withPipeline)
        {
            services.AddEvoRLlm(configuration).AddEvoRPipeline(configuration);
            services.AddSingleton<BenchRunner>();
        }

        configure?.Invoke(services);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
            _ = provider.GetRequiredService<IOptions<SandboxOptions>>().Value;
            var hosted = provider.GetServices<IHostedService>().ToList();
            foreach (var service in hosted)
            {
                await service.StartAsync(cancellationToken);
            }

            return new BenchHost(provider, hosted);
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _hosted.Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
    }
}
