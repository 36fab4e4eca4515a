using System.Text;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Languages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EvoR.Sandbox.Tests.Languages;

/// <summary>The health probe per language, over a scripted backend: what it runs each round, and what it says about a
/// language that is not installed.</summary>
public sealed class HealthProbeLanguageTests : IDisposable
{
    private static readonly LanguageDefinition Alpha = new()
    {
        Name = "alpha", SourceFile = "a.txt", Run = ["alpha", "/app/a.txt"], Version = ["alpha", "--version"], Probe = "ok",
        Packages = ["alpha-pkg"],
    };

    private readonly ScriptedBackend _backend = new();
    private readonly ScriptedAvailability _availability = new();
    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _services;

    public HealthProbeLanguageTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sandbox:HealthCacheSeconds"] = "0",
            ["Sandbox:MaxConcurrency"] = "2",
        }).Build();
        _services = new ServiceCollection().AddLogging()
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton(new LanguageCatalog([Alpha, Alpha with { Name = "beta", SourceFile = "b.txt", Run = ["beta"], Version = ["beta", "-v"] },
                Alpha with { Name = "gamma", SourceFile = "c.txt", Run = ["gamma"], Version = ["gamma", "-v"] }]))
            .AddSingleton<ISandboxBackend>(_backend)
            .AddSingleton<ILanguageAvailability>(_availability)
            .AddEvoRSandbox(configuration)
            .BuildServiceProvider();
    }

    private ISandboxHealthProbe Probe => _services.GetRequiredService<ISandboxHealthProbe>();

    [Fact]
    public async Task Check_AgainSoon_ReprobesOnlyTheLanguageThatPassedLongestAgo()
    {
        await Probe.CheckAsync(TestContext.Current.CancellationToken);
        Assert.Equal(6, _backend.Runs); // version probe and probe program of each of the three
        _time.Advance(TimeSpan.FromSeconds(1));

        var again = await Probe.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(8, _backend.Runs);
        Assert.All(again.Languages, l => Assert.True(l.Available, l.Name));
    }

    [Fact]
    public async Task Check_AfterTenMinutes_ReprobesEveryLanguage()
    {
        await Probe.CheckAsync(TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMinutes(11));

        await Probe.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(12, _backend.Runs);
    }

    [Fact]
    public async Task Check_LanguageUninstalledMeanwhile_ReportsItAtOnceWithoutRunningIt()
    {
        await Probe.CheckAsync(TestContext.Current.CancellationToken);
        _availability.Missing["beta"] = "beta is not installed on this host: install it with `./evor.sh languages add beta`.";
        var runs = _backend.Runs;

        var report = await Probe.CheckAsync(TestContext.Current.CancellationToken);

        var beta = Assert.Single(report.Languages, l => l.Name == "beta");
        Assert.False(beta.Available);
        Assert.Null(beta.Version);
        Assert.Equal(_availability.Missing["beta"], beta.UnavailableReason);
        Assert.Equal(["alpha-pkg"], beta.Packages);
        Assert.True(report.Healthy);
        Assert.Contains("beta (beta is not installed", report.Message, StringComparison.Ordinal);
        Assert.Equal(runs + 2, _backend.Runs); // only the canary ran
    }

    [Fact]
    public async Task Check_SandboxBrokenAfterPassing_ForgetsWhatPassedAndReportsTheFault()
    {
        await Probe.CheckAsync(TestContext.Current.CancellationToken);
        _backend.SetupError = "bwrap: not found";

        var report = await Probe.CheckAsync(TestContext.Current.CancellationToken);

        Assert.False(report.Healthy);
        Assert.All(report.Languages, l => Assert.False(l.Available, l.Name));
        Assert.Equal("bwrap: not found", report.Message);
    }

    public void Dispose() => _services.Dispose();

    private sealed class ScriptedBackend : ISandboxBackend
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public string? SetupError { get; set; }

        public string Name => "scripted";

        public bool CgroupLimits => true;

        public Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return Task.FromResult(SetupError is { } error
                ? new SandboxRun { SetupError = error }
                : new SandboxRun { ExitCode = 0, Stdout = Encoding.UTF8.GetBytes("ok\n") });
        }
    }

    private sealed class ScriptedAvailability : ILanguageAvailability
    {
        public Dictionary<string, string> Missing { get; } = [];

        public ValueTask<string?> UnavailableReasonAsync(LanguageDefinition language, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Missing.GetValueOrDefault(language.Name));
    }
}
