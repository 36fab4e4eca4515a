using EvoR.Sandbox.Languages;
using EvoR.Sandbox.Tests.Support;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Languages;

/// <summary>
/// One program per built-in language (<c>Samples/&lt;name&gt;.txt</c>) that reads two integers a and b from stdin and
/// prints their sum; with a = 0 it fails the language's own assertion (where it has one), with a &lt; 0 it allocates
/// until the memory limit stops it. One execution runs all of that as io cases, so a compiled language compiles once.
/// </summary>
public static class LanguageSamples
{
    private const string Sum = "2\n3\n";
    private const string Answer = "40\n2\n";
    private const string FailAssertion = "0\n1\n";
    private const string ExhaustMemory = "-1\n0\n";

    /// <summary>Every built-in language; <c>EVOR_LANGUAGES=racket,ocaml</c> narrows a local run to those.</summary>
    public static TheoryData<string> Names => [.. LanguageCatalog.LoadBuiltIn().All.Select(l => l.Name)
        .Where(n => Environment.GetEnvironmentVariable("EVOR_LANGUAGES") is not { Length: > 0 } only
            || only.Split(',', StringSplitOptions.TrimEntries).Contains(n, StringComparer.OrdinalIgnoreCase))];

    public static string ProgramOf(string language) =>
        File.ReadAllText(Path.Combine(Repository.Root(), "tests", "EvoR.Sandbox.Tests", "Languages", "Samples", language + ".txt"));

    public static IReadOnlyList<string> SampleNames() =>
        [.. Directory.EnumerateFiles(Path.Combine(Repository.Root(), "tests", "EvoR.Sandbox.Tests", "Languages", "Samples"), "*.txt")
            .Select(Path.GetFileNameWithoutExtension).OfType<string>()];

    /// <summary>Runs the sample of <paramref name="name"/> on the fixture's backend and checks every case.</summary>
    public static async Task CheckAsync(SandboxFixture fixture, string name, string? requireVariable)
    {
        fixture.SkipIfUnavailable();
        var catalog = fixture.Services.GetRequiredService<LanguageCatalog>();
        Assert.True(catalog.TryGet(name, out var language));
        var availability = fixture.Services.GetRequiredService<ILanguageAvailability>();
        if (await availability.UnavailableReasonAsync(language, TestContext.Current.CancellationToken) is { } missing)
        {
            if (requireVariable is not null && Environment.GetEnvironmentVariable(requireVariable) == "1")
            {
                Assert.Fail($"{requireVariable}=1 but {missing}");
            }

            Assert.Skip(missing);
        }

        var hasAssertion = language.AssertionMarkers.Count > 0;
        var cases = new List<IoCase> { new() { Stdin = Sum, ExpectedStdout = "5" }, new() { Stdin = Answer, ExpectedStdout = "42" } };
        if (hasAssertion)
        {
            cases.Add(new IoCase { Stdin = FailAssertion, ExpectedStdout = "1" });
        }

        cases.Add(new IoCase { Stdin = ExhaustMemory, ExpectedStdout = "-1" });
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = name,
            Code = ProgramOf(name),
            Tests = new IoTests { Cases = cases },
            // Room for a JVM or a BEAM to start on a busy 2-core machine; the memory case runs into the default 256 MiB.
            Limits = new ExecutionLimitsOverride { TimeoutMs = 20_000, CpuTimeMs = 20_000 },
        }, TestContext.Current.CancellationToken);

        var context = $"{name} on {fixture.Backend}: {result.Verdict} {result.Message}\ncompile: {result.CompileOutput}\n"
            + string.Join("\n", result.Cases.Select(c => $"case {c.Index}: {c.Verdict} exit {c.ExitCode} {c.Message} stdout '{Clip(c.Stdout)}' stderr '{Clip(c.Stderr)}'"));
        TestContext.Current.TestOutputHelper?.WriteLine($"{name} on {fixture.Backend}: {result.DurationMs} ms ({string.Join(", ", result.Cases.Select(c => $"{c.Verdict} {c.DurationMs} ms"))})");
        Assert.True(result.Cases.Count == cases.Count, context);
        Assert.True(result.Cases[0].Verdict == Verdict.Passed, context);
        Assert.True(result.Cases[1].Verdict == Verdict.Passed, context);
        if (hasAssertion)
        {
            var failed = result.Cases[2];
            Assert.True(failed.Verdict == Verdict.RuntimeError, context);
            Assert.True(language.AssertionMarkers.Any(m => failed.Stderr.Contains(m, StringComparison.Ordinal)),
                $"no assertion marker ({string.Join(", ", language.AssertionMarkers)}) in stderr. {context}");
        }

        Assert.True(result.Cases[^1].Verdict == Verdict.MemoryLimitExceeded, context);

        if (language.Sentinel is not null)
        {
            // Script tests: the probe as program and as its "tests", then the completion sentinel the executor appends.
            var script = await fixture.Executor.ExecuteAsync(new ExecutionRequest
            {
                Language = name,
                Code = language.Probe,
                Tests = new ScriptTests { Code = language.Probe },
                Limits = new ExecutionLimitsOverride { TimeoutMs = 20_000, CpuTimeMs = 20_000 },
            }, TestContext.Current.CancellationToken);
            Assert.True(script.Verdict == Verdict.Passed, $"script tests on {name}: {script.Verdict} {script.Message} {script.CompileOutput} {script.Stderr}");
        }
    }

    private static string Clip(string text) => text.Length <= 600 ? text : text[..300] + " … " + text[^300..];
}
