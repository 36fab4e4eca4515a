using EvoR.Sandbox;
using EvoR.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EvoR.Bench.Tests.Datasets.EvorBench;

/// <summary>One real process sandbox for the EvoR-Bench scoring tests, or the reason they are skipped.</summary>
public sealed class EvorBenchSandboxFixture : IAsyncLifetime
{
    private ServiceProvider? _services;
    private List<IHostedService> _hosted = [];

    public string? SkipReason { get; private set; }

    internal ICodeExecutor Executor => _services!.GetRequiredService<ICodeExecutor>();

    public async ValueTask InitializeAsync()
    {
        SkipReason = await ProcessSandboxProbe.UnavailableReasonAsync();
        if (SkipReason is not null)
        {
            return;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sandbox:Process:WarmSandboxes"] = "1",
        }).Build();
        _services = new ServiceCollection().AddLogging().AddEvoRSandbox(configuration).BuildServiceProvider();
        _hosted = [.. _services.GetServices<IHostedService>()];
        foreach (var service in _hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Enumerable.Reverse(_hosted))
        {
            await service.StopAsync(CancellationToken.None);
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    internal ICodeExecutor Require()
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        return Executor;
    }
}

/// <summary>EvoR-Bench sandbox tests share one sandbox and run one at a time (2-core machines).</summary>
[CollectionDefinition(Name)]
public sealed class EvorBenchSandboxCollection : ICollectionFixture<EvorBenchSandboxFixture>
{
    public const string Name = "evor-bench-sandbox";
}
