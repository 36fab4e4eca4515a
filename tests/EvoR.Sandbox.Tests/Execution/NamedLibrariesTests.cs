using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Execution;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Tests.Execution;

/// <summary>Which configured libraries a run gets, and how they reach the import path (no sandbox needed).</summary>
public sealed class NamedLibrariesTests
{
    private static NamedLibraries Libraries(Action<SandboxOptions> configure)
    {
        var options = new SandboxOptions();
        configure(options);
        return new NamedLibraries(Options.Create(options));
    }

    [Fact]
    public void Resolve_RequestedAndEveryRun_EveryRunFirstEachOnce()
    {
        var libraries = Libraries(o =>
        {
            o.Libraries["tessera"] = new() { Path = "/srv/tessera" };
            o.Libraries["always"] = new() { Path = "/srv/always", EveryRun = true };
            o.Process.Libraries["old"] = "/srv/old";
        });

        var resolved = libraries.Resolve(["tessera", "always", "tessera"]);

        Assert.Equal(["always", "old", "tessera"], resolved.Select(l => l.Name));
        Assert.Equal(["always", "old"], libraries.Resolve(null).Select(l => l.Name));
        Assert.Equal("/libraries/tessera", resolved[2].SandboxPath);
    }

    [Fact]
    public void Resolve_UnknownName_RefusedNamingItAndTheKnownOnes()
    {
        var libraries = Libraries(o => o.Libraries["tessera"] = new() { Path = "/srv/tessera" });

        var error = Assert.Throws<ExecutionRequestException>(() => libraries.Resolve(["tessera", "../etc"]));

        Assert.Equal((RequestErrorKind.UnknownLibrary, "libraries[1]"), (error.Kind, error.Field));
        Assert.Contains("Known: tessera", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b", "/srv")]
    [InlineData("ok", "relative/path")]
    public void Constructor_BadNameOrPath_RefusedAsAnInvalidSetting(string name, string path) =>
        Assert.Throws<OptionsValidationException>(() => Libraries(o => o.Libraries[name] = new() { Path = path }));

    [Theory]
    [InlineData("python", null, "PYTHONPATH", "/libraries/a:/libraries/b")]
    [InlineData("python", "/opt/x:/libraries/a", "PYTHONPATH", "/opt/x:/libraries/a:/libraries/b")]
    [InlineData("lua", null, "LUA_PATH", "/libraries/a/?.lua;/libraries/a/?/init.lua;/libraries/b/?.lua;/libraries/b/?/init.lua;;")]
    public void AddImportPath_Language_AppendsEachLibraryOnce(string language, string? existing, string variable, string expected)
    {
        var environment = new Dictionary<string, string>();
        if (existing is not null)
        {
            environment[variable] = existing;
        }

        NamedLibraries.AddImportPath(environment, language, [new SandboxLibrary("a", "/h/a"), new SandboxLibrary("b", "/h/b")]);

        Assert.Equal(expected, environment[variable]);
    }

    [Fact]
    public void AddImportPath_LanguageWithoutAnImportPath_LeavesTheEnvironment()
    {
        var environment = new Dictionary<string, string>();

        NamedLibraries.AddImportPath(environment, "c", [new SandboxLibrary("a", "/h/a")]);

        Assert.Empty(environment);
    }
}
