using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Docker;
using EvoR.Sandbox.Languages;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>The language → image mapping is data (languages.json, overridable); a run's language is found from its spec.</summary>
public sealed class DockerImageResolverTests
{
    private static readonly LanguageCatalog Catalog = LanguageCatalog.LoadBuiltIn();

    private static DockerImageResolver Resolver(Dictionary<string, string>? images = null)
    {
        var options = new SandboxOptions();
        foreach (var (language, image) in images ?? [])
        {
            options.Docker.Images[language] = image;
        }

        return new DockerImageResolver(Catalog, Options.Create(options));
    }

    private static SandboxRunSpec Spec(IReadOnlyList<string> command, params string[] files) => new()
    {
        Command = command,
        Files = [.. files.Select(f => new SandboxFile(f, []))],
        Limits = new ExecutionLimits(),
    };

    [Fact]
    public void Resolve_EveryLanguage_RunVersionAndCompile_FindsItsImage()
    {
        var resolver = Resolver();
        foreach (var language in Catalog.All)
        {
            var expected = $"evor/sandbox-{language.Name}:bookworm";
            Assert.Equal(expected, resolver.Resolve(Spec(language.Run, language.SourceFile)).Image);
            Assert.Equal(expected, resolver.Resolve(Spec(language.Version)).Image);
            if (language.Compile is { } compile)
            {
                Assert.Equal(expected, resolver.Resolve(Spec(["/bin/sh", "-c", "\"$@\" 1>&2 && exec cat \"$0\"", language.Artifact!, .. compile], language.SourceFile)).Image);
            }
        }
    }

    [Fact]
    public void Resolve_OverrideConfigured_WinsOverLanguagesJson()
    {
        var (language, image, error) = Resolver(new() { ["python"] = "registry.example/py:1" }).Resolve(Spec(["python3", "/app/main.py"], "main.py"));
        Assert.Null(error);
        Assert.Equal("python", language!.Name);
        Assert.Equal("registry.example/py:1", image);
    }

    [Fact]
    public void Resolve_UnknownCommand_IsAnError()
    {
        var (_, image, error) = Resolver().Resolve(Spec(["ruby", "x.rb"]));
        Assert.Null(image);
        Assert.Contains("ruby", error, StringComparison.Ordinal);
    }
}
