using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Languages;

/// <summary>
/// The real sandbox wiring on a host where no language is installed: the sandbox's PATH points at a folder that does not
/// exist, so every toolchain is missing (the process backend's check is a look-up on that PATH; nothing runs). Each
/// language then says why it is unavailable and which command installs it, and a request for one is refused with that
/// command rather than run.
/// </summary>
public sealed class LanguageAvailabilityApiTests : IDisposable
{
    private readonly ApiFactory _factory = new(
        new Dictionary<string, string?> { ["Sandbox:Environment:PATH"] = "/nonexistent-evor-test-path" }, realSandbox: true);

    [Fact]
    public async Task GetLanguages_ToolchainMissing_EachSaysWhyAndHowToInstall()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync("/v1/languages", Http.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var languages = (await response.ReadJsonAsync()).EnumerateArray().ToList();
        Assert.True(languages.Count >= 20, $"{languages.Count} languages");
        Assert.All(languages, l => Assert.False(l.GetProperty("available").GetBoolean()));
        var racket = Assert.Single(languages, l => l.GetProperty("name").GetString() == "racket");
        var reason = racket.GetProperty("unavailableReason").GetString();
        Assert.Contains("'racket' not found", reason, StringComparison.Ordinal);
        Assert.Contains("`./evor.sh languages add racket`", reason, StringComparison.Ordinal);
        Assert.Equal(["racket"], racket.GetProperty("packages").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task GetHealth_NoLanguageInstalled_Returns503NamingTheInstallCommands()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync("/health", Http.Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var report = await response.ReadJsonAsync();
        var ocaml = Assert.Single(report.GetProperty("languages").EnumerateArray(), l => l.GetProperty("name").GetString() == "ocaml");
        Assert.False(ocaml.GetProperty("available").GetBoolean());
        Assert.Contains("./evor.sh languages add ocaml", ocaml.GetProperty("unavailableReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostExecution_KnownLanguageNotInstalled_Returns422NamingTheInstallCommand()
    {
        using var client = _factory.CreateClient();

        var response = await client.PostExecutionAsync("""{ "language": "ocaml", "code": "let () = print_endline \"hi\"" }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "language-unavailable");
        Assert.Equal("Language not installed", problem.GetProperty("title").GetString());
        Assert.Equal("language", problem.GetProperty("field").GetString());
        Assert.Contains("`./evor.sh languages add ocaml`", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostExecution_AliasOfLanguageNotInstalled_NamesTheLanguageNotTheAlias()
    {
        using var client = _factory.CreateClient();

        var response = await client.PostExecutionAsync("""{ "language": "rkt", "code": "#lang racket/base" }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "language-unavailable");
        Assert.Contains("./evor.sh languages add racket", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    public void Dispose() => _factory.Dispose();
}
