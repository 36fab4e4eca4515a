using EvoR.Bench.Commands;

namespace EvoR.Bench.Tests.Commands;

/// <summary>The generated <c>--help</c>: a command that takes configuration overrides says what they are, not the
/// generic "Arguments passed to the application that is being run".</summary>
public sealed class BenchCliHelpTests
{
    private const string GenericText = "Arguments passed to the application that is being run.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("run")]
    [InlineData("sandbox")]
    [InlineData("overhead")]
    public async Task Help_CommandTakingOverrides_NamesConfigurationOverridesWithExamples(string command)
    {
        var help = await HelpOfAsync(command);

        Assert.Contains("Configuration overrides, with the same keys as the EvoR service's settings", help, StringComparison.Ordinal);
        Assert.Contains("--Llm:Model=gpt-4o", help, StringComparison.Ordinal);
        Assert.Contains("--Sandbox:Backend=docker", help, StringComparison.Ordinal);
        Assert.DoesNotContain(GenericText, help, StringComparison.Ordinal);
        // The rest of the help is the default one: the command's own options are still listed.
        Assert.Contains("-?, -h, --help", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("methods")]
    [InlineData("compare")]
    public async Task Help_CommandWithoutOverrides_HasNoOverridesSection(string command)
    {
        var help = await HelpOfAsync(command);

        Assert.DoesNotContain("Configuration overrides", help, StringComparison.Ordinal);
        Assert.Contains("-?, -h, --help", help, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeOverrides_GenericLastSection_ReplacesItsBodyKeepsTheRest()
    {
        var help = "Usage:\n  x run [options]\n\nOptions:\n  --a  A\n\nAdditional Arguments:\n  " + GenericText + "\n\n";

        var described = ConfigurationOverridesHelpAction.DescribeOverrides(help);

        Assert.Equal("Usage:\n  x run [options]\n\nOptions:\n  --a  A\n\nAdditional Arguments:\n  "
            + ConfigurationOverridesHelpAction.Description + "\n\n", described);
    }

    /// <summary><c>COMMAND --help</c> through the CLI; it must exit 0 and write nothing to stderr.</summary>
    private static async Task<string> HelpOfAsync(string command)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await BenchCli.RunAsync([command, "--help"], output, error, TimeProvider.System, Ct);

        Assert.Equal(BenchCli.ExitOk, exit);
        Assert.Equal("", error.ToString());
        return output.ToString();
    }
}
