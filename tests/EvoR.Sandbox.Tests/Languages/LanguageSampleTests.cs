using EvoR.Sandbox.Languages;
using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Languages;

/// <summary>Every built-in language on the process backend: sum, assertion, memory (see <see cref="LanguageSamples"/>).
/// A language not installed on this host skips, naming the command that installs it; <c>EVOR_REQUIRE_LANGUAGES=1</c>
/// (./evor.sh test sets it after installing them all) makes that a failure.</summary>
[Collection(SandboxCollection.Name)]
public sealed class ProcessLanguageSampleTests(SandboxFixture fixture)
{
    [Theory]
    [MemberData(nameof(LanguageSamples.Names), MemberType = typeof(LanguageSamples))]
    public Task Sample_SumAssertionAndMemory_BehaveOnProcessBackend(string language) =>
        LanguageSamples.CheckAsync(fixture, language, "EVOR_REQUIRE_LANGUAGES");
}

/// <summary>Every built-in language on the Docker backend, in its own image. Skips where no engine answers or the image is
/// missing; with <c>EVOR_REQUIRE_DOCKER=1</c> either is a failure.</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerLanguageSampleTests(DockerSandboxFixture fixture)
{
    [Theory]
    [MemberData(nameof(LanguageSamples.Names), MemberType = typeof(LanguageSamples))]
    public Task Sample_SumAssertionAndMemory_BehaveOnDockerBackend(string language) =>
        LanguageSamples.CheckAsync(fixture, language, "EVOR_REQUIRE_DOCKER");
}

public sealed class LanguageSampleCoverageTests
{
    [Fact]
    public void Samples_CoverEveryBuiltInLanguage()
    {
        var names = LanguageCatalog.LoadBuiltIn().All.Select(l => l.Name).Order(StringComparer.Ordinal);
        Assert.Equal(names, LanguageSamples.SampleNames().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BuiltIns_AreAtLeastTwentyWithPackagesAndImages()
    {
        var all = LanguageCatalog.LoadBuiltIn().All;
        Assert.True(all.Count >= 20, $"{all.Count} languages");
        Assert.All(all, l =>
        {
            Assert.NotEmpty(l.Packages);
            Assert.Equal($"evor/sandbox-{l.Name}:bookworm", l.Image);
            Assert.NotEmpty(l.Toolchain);
        });
    }

    [Fact]
    public void SourceFiles_AreDistinct_SoTheDockerBackendCanTellCompiledProgramsApart()
    {
        var all = LanguageCatalog.LoadBuiltIn().All;
        Assert.Equal(all.Count, all.Select(l => l.SourceFile).Distinct(StringComparer.Ordinal).Count());
    }
}
