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
            .AddSingleton(new LanguageCatalog(new[] { "alpha", "beta", "gamma", "delta", "epsilon", "zeta" }.Select(name => Alpha with
            {
                Name = name, SourceFile = name + ".txt", Run = [name, "/app/" + name + ".txt"], Version = [name, "--version"],
            })))
            .AddSingleton<ISandboxBackend>(_backend)
            .AddSingleton<ILanguageAvailability>(_availability)
            .AddEvoRSandbox(configuration)
            .BuildServiceProvider();
    }

    private ISandboxHealthProbe Probe => _services.GetRequiredService<ISandboxHealthProbe>();

    [Fact]
    public async Task Check_First_RunsEveryVersionProbeButOnlyFourProbePrograms()
    {
        var report = await Probe.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(6 + 4, _backend.Runs);
        Assert.Equal(4, _backend.ProbePrograms);
        Assert.All(report.Languages, l => Assert.True(l.Available, l.Name));
        Assert.All(report.Languages, l => Assert.Equal("ok", l.Version));
    }

    [Fact]
    public async Task Check_Second_RunsTheRestsProgramsAndOneCanaryAndNothingForLanguagesThatPassed()
    {
        await Probe.CheckAsync(TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(1));

        await Probe.CheckAsync(TestContext.Current.CancellationToken);

        // epsilon and zeta (program not run yet) and alpha (passed longest ago): version probe and program each.
        Assert.Equal(10 + 6, _backend.Runs);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Probe.CheckAsync(TestContext.Current.CancellationToken);
        Assert.Equal(16 + 2, _backend.Runs); // every program passed: only the canary
    }

    [Fact]
    public async Task Check_AfterTenMinutes_ReprobesProgramsAgainFourARound()
    {
        await Probe.CheckAsync(TestContext.Current.CancellationToken);
        await Probe.CheckAsync(TestContext.Current.CancellationToken);
        var runs = _backend.Runs;
        _time.Advance(TimeSpan.FromMinutes(11));

        await Probe.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(runs + 8, _backend.Runs);
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
        Assert.Equal(runs + 6, _backend.Runs); // the canary (alpha) and the programs not run yet (epsilon, zeta); nothing of beta
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
        private int _programs;

        public int Runs => Volatile.Read(ref _runs);

        /// <summary>Runs of a probe program (not a version probe).</summary>
        public int ProbePrograms => Volatile.Read(ref _programs);

        public string? SetupError { get; set; }

        public string Name => "scripted";

        public bool CgroupLimits => true;

        public Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            if (spec.Command.Count == 2 && spec.Command[1].StartsWith("/app/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _programs);
            }

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
