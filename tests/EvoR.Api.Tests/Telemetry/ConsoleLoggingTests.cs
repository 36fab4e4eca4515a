using System.Text.Json;
using EvoR.Api.Telemetry;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Telemetry;

public sealed class ConsoleLoggingTests
{
    [Theory]
    [InlineData(null, false, "simple")]
    [InlineData(null, true, "json")]
    [InlineData("", true, "json")]
    [InlineData("json", false, "json")]
    [InlineData("simple", true, "simple")]
    [InlineData(" systemd ", true, "systemd")]
    public void ChooseFormatter_TerminalOrRedirected_SimpleOrJsonUnlessConfigured(string? configured, bool redirected, string expected) =>
        Assert.Equal(expected, ConsoleLogging.ChooseFormatter(configured, redirected));

    [Fact]
    public async Task Serve_OutputRedirected_LogsJsonLines()
    {
        await using var service = ServiceProcess.Start();
        await service.WaitListeningAsync();

        var lines = service.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.True(JsonDocument.Parse(line).RootElement.TryGetProperty("Message", out _), line));
    }

    [Fact]
    public async Task Serve_FormatterConfigured_Honoured()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string?> { ["Logging:Console:FormatterName"] = "simple" });
        await service.WaitListeningAsync();

        Assert.Contains(service.Output.Split('\n'), line => line.Contains(" info: Microsoft.Hosting.Lifetime", StringComparison.Ordinal));
        Assert.DoesNotContain("\"Message\":", service.Output, StringComparison.Ordinal);
    }
}
