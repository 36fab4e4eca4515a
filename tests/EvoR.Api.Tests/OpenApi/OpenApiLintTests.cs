using System.Text.Json;
using EvoR.Api.Tests.Support;
using EvoR.Testing;

namespace EvoR.Api.Tests.OpenApi;

/// <summary>
/// The OpenAPI document passes <c>redocly lint</c> with the rules of <c>src/EvoR.Api/redocly.yaml</c>, warnings
/// included. The CLI is found through <c>EVOR_REDOCLY</c> (which <c>./evor.sh test</c> sets after installing it with
/// npm) or on the PATH; the test skips, saying so, where neither has it.
/// </summary>
public sealed class OpenApiLintTests
{
    [Fact]
    public async Task OpenApiDocument_PassesRedoclyLintWithoutWarnings()
    {
        var redocly = ToolLookup.Find("EVOR_REDOCLY", "redocly");
        if (redocly is null)
            Assert.Skip("redocly CLI not found: set EVOR_REDOCLY or put it on PATH (npm install @redocly/cli; ./evor.sh test installs it)");

        using var factory = new ApiFactory();
        using var client = factory.CreateClient();
        var json = await client.GetStringAsync("/openapi/v1.json", Http.Ct);
        var file = Path.Combine(Path.GetTempPath(), $"evor-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json, Http.Ct);
        try
        {
            var config = Path.Combine(Repository.Root(), "src", "EvoR.Api", "redocly.yaml");
            var (exit, stdout, stderr) = await ExternalProcess.RunAsync(redocly, ["lint", "--format=stylish", "--max-problems=200", "--config", config, file],
                environment: new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" },
                cancellationToken: Http.Ct);
            var output = stdout + stderr;

            Assert.True(exit == 0, $"redocly lint failed:\n{output}");
            Assert.DoesNotContain(" warning ", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task EveryOperationButHealth_DeclaresAClientError()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", Http.Ct));

        var missing = new List<string>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            if (path.Name.StartsWith("/health", StringComparison.Ordinal))
                continue;
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (!operation.Value.GetProperty("responses").EnumerateObject().Any(r => r.Name.StartsWith('4')))
                    missing.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
            }
        }

        Assert.True(missing.Count == 0, "operations without a 4xx response: " + string.Join(", ", missing));
    }
}
