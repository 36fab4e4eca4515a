using System.Text;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Diagnostics;
using EvoR.Sandbox.Languages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Execution;

/// <summary>
/// Proves the sandbox works end to end: per installed language, the version probe and a tiny program (compiled where
/// the language compiles) run inside the real sandbox; a language that is not installed is reported as such without
/// running anything. The probe programs are spread over rounds (see <see cref="ProbeAsync"/>). Results are cached for
/// <see cref="SandboxOptions.HealthCacheSeconds"/>.
/// </summary>
public sealed class SandboxHealthProbe(
    ISandboxBackend backend,
    CodeExecutor executor,
    LanguageCatalog catalog,
    LimitsPolicy limits,
    IOptions<SandboxOptions> options,
    TimeProvider time,
    ILogger<SandboxHealthProbe> logger,
    ILanguageAvailability? availability = null) : ISandboxHealthProbe
{
    private static readonly TimeSpan PassedKeptFor = TimeSpan.FromMinutes(10);

    /// <summary>Languages whose probe program (compiled where the language compiles) runs in one round.</summary>
    internal const int ProgramProbesPerRound = 4;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ((LanguageInfo Info, string? Error, string? SetupError) Result, DateTimeOffset At)> _passed = new(StringComparer.Ordinal);
    private (SandboxHealthReport Report, DateTimeOffset At)? _cached;

    public async Task<SandboxHealthReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        var ttl = TimeSpan.FromSeconds(options.Value.HealthCacheSeconds);
        if (_cached is { } hit && time.GetUtcNow() - hit.At < ttl)
        {
            return hit.Report;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && time.GetUtcNow() - again.At < ttl)
            {
                return again.Report;
            }

            var report = await ProbeAsync(cancellationToken);
            _cached = (report, time.GetUtcNow());
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<SandboxHealthReport> ProbeAsync(CancellationToken cancellationToken)
    {
        // Two dozen languages, half of them compiled, would cost a small machine some 20 s of both cores per round if
        // each compiled and ran its probe program every time. So each round runs every installed language's version
        // probe inside the sandbox (one short run each), but the probe program only for a few: those whose program has
        // not passed yet (in catalog order, the default languages first), the one that passed longest ago (a canary: a
        // sandbox that breaks shows within a round) and those whose pass is older than PassedKeptFor. A language whose
        // program passed keeps that result meanwhile, as long as it stays installed.
        var now = time.GetUtcNow();
        var passedOldestFirst = catalog.All.Where(l => _passed.ContainsKey(l.Name)).OrderBy(l => _passed[l.Name].At).ToList();
        var withProgram = catalog.All.Where(l => !_passed.ContainsKey(l.Name))
            .Concat(passedOldestFirst.Take(1))
            .Concat(passedOldestFirst.Where(l => now - _passed[l.Name].At >= PassedKeptFor))
            .Select(l => l.Name).Distinct(StringComparer.Ordinal).Take(ProgramProbesPerRound)
            .ToHashSet(StringComparer.Ordinal);
        // As many probes at once as the executor runs executions: two dozen compilers started together on a small machine
        // would push each other past the compile timeout.
        using var slots = new SemaphoreSlim(Math.Max(1, executor.Concurrency));
        var languages = await Task.WhenAll(catalog.All.Select(async l =>
        {
            var program = withProgram.Contains(l.Name);
            if (!program && _passed.TryGetValue(l.Name, out var hit)
                && (availability is null || await availability.UnavailableReasonAsync(l, cancellationToken) is null))
            {
                return hit.Result;
            }

            await slots.WaitAsync(cancellationToken);
            try
            {
                var result = await ProbeLanguageAsync(l, program, cancellationToken);
                if (result.Info.Available && program)
                {
                    _passed[l.Name] = (result, now);
                }
                else if (!result.Info.Available)
                {
                    _passed.TryRemove(l.Name, out _);
                }

                return result;
            }
            finally
            {
                slots.Release();
            }
        }));
        // A backend that cannot start at all fails every language the same way: report that fault, not a language.
        var setupError = languages.FirstOrDefault(l => l.SetupError is not null).SetupError;
        if (setupError is not null && !_passed.IsEmpty)
        {
            // The canary found the sandbox broken: what passed before says nothing now.
            _passed.Clear();
            return await ProbeAsync(cancellationToken);
        }

        var available = languages.Count(l => l.Info.Available);
        return new SandboxHealthReport
        {
            Backend = backend.Name,
            Healthy = available > 0,
            CgroupLimits = backend.CgroupLimits,
            Message = available == 0
                ? setupError ?? "No language could run a program in the sandbox."
                : available < languages.Length
                    ? $"Unavailable: {string.Join("; ", languages.Where(l => !l.Info.Available).Select(l => $"{l.Info.Name} ({l.Error})"))}"
                    : null,
            Languages = [.. languages.Select(l => l.Info)],
        };
    }

    private async Task<(LanguageInfo Info, string? Error, string? SetupError)> ProbeLanguageAsync(
        LanguageDefinition language, bool withProgram, CancellationToken cancellationToken)
    {
        if (availability is not null && await availability.UnavailableReasonAsync(language, cancellationToken) is { } missing)
        {
            // Not installed: nothing to probe, and not a fault of the sandbox.
            return (Info(language, null, missing), missing, null);
        }

        var probeLimits = limits.Defaults with { TimeoutMs = Math.Max(limits.Defaults.TimeoutMs, 10_000) };
        var version = await backend.RunAsync(new SandboxRunSpec
        {
            Command = language.Version,
            Limits = probeLimits,
            Environment = options.Value.Environment,
            HostPaths = language.HostPaths,
        }, cancellationToken);
        var versionLine = FirstLine(version.Stdout) ?? FirstLine(version.Stderr);

        string? error;
        string? setupError = null;
        if (version.SetupError is not null)
        {
            error = "sandbox: " + version.SetupError;
            setupError = version.SetupError;
        }
        else if (version.ExitCode != 0)
        {
            error = $"'{string.Join(' ', language.Version)}' failed inside the sandbox (exit {version.ExitCode}): is the toolchain installed?";
        }
        else if (!withProgram)
        {
            // The toolchain runs inside the sandbox; its probe program runs in a later round.
            error = null;
        }
        else
        {
            var result = await executor.RunAsync(
                language, new ExecutionRequest { Language = language.Name, Code = language.Probe }, probeLimits, scope: null, cancellationToken);
            error = result.Verdict == Verdict.Passed && result.Stdout.Trim() == "ok"
                ? null
                : $"probe program ended {result.Verdict}: {result.Message}";
        }

        if (error is not null)
        {
            Log.LanguageUnavailable(logger, language.Name, error);
        }

        return (Info(language, error is null ? versionLine : null, error), error, setupError);
    }

    private static LanguageInfo Info(LanguageDefinition language, string? version, string? error) => new()
    {
        Name = language.Name,
        Aliases = language.Aliases,
        Compiled = language.IsCompiled,
        Version = version,
        Available = error is null,
        UnavailableReason = error,
        Packages = language.Packages,
        SupportsScriptTests = language.Sentinel is not null,
    };

    private static string? FirstLine(byte[] bytes)
    {
        var line = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault();
        return string.IsNullOrEmpty(line) ? null : line;
    }
}
