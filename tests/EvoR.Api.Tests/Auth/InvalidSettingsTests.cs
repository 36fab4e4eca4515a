using EvoR.Api.Auth;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Auth;

/// <summary>The built service, started with a bad setting: it refuses with one line naming the setting and exit code 1.</summary>
public sealed class InvalidSettingsTests
{
    public static TheoryData<string, string, string, string, string> BadSettings => new()
    {
        { "Auth:ApiKeys:0:Name", "alpha", "Auth:ApiKeys:0:Sha256", "not-a-hash", "Auth:ApiKeys:0:Sha256" },
        { "Auth:ApiKeys:0:Name", "", "Auth:ApiKeys:0:Sha256", ApiKeyHash.ComputeHex("k"), "Auth:ApiKeys:0:Name" },
        { "Requests:MaxBodyBytes", "lots", "Urls", "http://127.0.0.1:0", "Requests:MaxBodyBytes" },
        { "Requests:MaxBodyBytes", "5", "Urls", "http://127.0.0.1:0", "Requests" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Start_InvalidSetting_RefusesWithOneLineAndExitCode1(string key1, string value1, string key2, string value2, string named)
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string?> { [key1] = value1, [key2] = value2 });

        var exitCode = await service.WaitForExitAsync();

        var output = service.Output;
        Assert.True(exitCode == 1, $"exit code {exitCode}: {output}");
        var refusal = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            line => line.StartsWith("EvoR did not start:", StringComparison.Ordinal));
        Assert.Contains(named, refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Http.AssertNoStackTrace(output);
    }
}
