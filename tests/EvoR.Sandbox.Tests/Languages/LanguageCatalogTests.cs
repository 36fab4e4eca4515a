using EvoR.Sandbox.Languages;

namespace EvoR.Sandbox.Tests.Languages;

public sealed class LanguageCatalogTests
{
    [Theory]
    [InlineData("python", "python")]
    [InlineData("PY", "python")]
    [InlineData("python3", "python")]
    [InlineData("lua", "lua")]
    [InlineData("nim", "nim")]
    [InlineData("gcc", "c")]
    public void TryGet_NameOrAlias_FindsLanguage(string name, string expected)
    {
        Assert.True(LanguageCatalog.LoadBuiltIn().TryGet(name, out var language));
        Assert.Equal(expected, language.Name);
    }

    [Fact]
    public void LoadBuiltIn_OffersCompiledAndInterpretedLongTailLanguages()
    {
        var all = LanguageCatalog.LoadBuiltIn().All;
        Assert.Contains(all, l => l.Name == "nim" && l.IsCompiled && l.Artifact is not null);
        Assert.Contains(all, l => l.Name == "lua" && !l.IsCompiled);
        Assert.All(all.Where(l => l.Sentinel is not null), l => Assert.Contains("{0}", l.Sentinel, StringComparison.Ordinal));
    }

    [Fact]
    public void LoadBuiltIn_PythonWarmRunner_IsTheEmbeddedScriptText()
    {
        Assert.True(LanguageCatalog.LoadBuiltIn().TryGet("python", out var python));
        Assert.NotNull(python.WarmRun);
        Assert.DoesNotContain(python.WarmRun, a => a.StartsWith("@embedded:", StringComparison.Ordinal));
        // Both embedded files, in order: the wait for the go line, then the shared runner.
        var script = Assert.Single(python.WarmRun, a => a.Contains("def _evor_run", StringComparison.Ordinal));
        Assert.True(script.IndexOf("_os._exit(97)", StringComparison.Ordinal) is >= 0 and var wait
            && wait < script.IndexOf("def _evor_run", StringComparison.Ordinal), script);
        Assert.Equal(python.Run[^1], python.WarmRun[^1]);
    }

    [Fact]
    public void Constructor_DuplicateAlias_Throws()
    {
        var a = new LanguageDefinition { Name = "a", Aliases = ["x"], SourceFile = "a", Run = ["a"], Version = ["a"], Probe = "" };
        var b = a with { Name = "b" };
        Assert.Throws<InvalidOperationException>(() => new LanguageCatalog([a, b]));
    }
}
