using EvoR.Bench.Commands;

namespace EvoR.Bench.Tests.Commands;

public sealed class BenchArgumentsTests
{
    [Fact]
    public void Parse_CommandOptionsAndOverrides_SplitsThem()
    {
        var parsed = BenchArguments.Parse(["sandbox", "--iterations", "20", "--json=out.json", "--Sandbox:MaxConcurrency=4", "--Sandbox:Backend", "process"]);

        Assert.Equal("sandbox", parsed.Command);
        Assert.Equal(20, parsed.GetInt("iterations", 50, 1, 100));
        Assert.Equal("out.json", parsed.GetString("json"));
        Assert.Equal(["--Sandbox:MaxConcurrency=4", "--Sandbox:Backend=process"], parsed.ConfigurationArgs);
    }

    [Fact]
    public void GetInt_Absent_ReturnsDefault() =>
        Assert.Equal(50, BenchArguments.Parse(["sandbox"]).GetInt("iterations", 50, 1, 100));

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("ten")]
    public void GetInt_OutOfRangeOrNotANumber_ThrowsArgument(string value) =>
        Assert.Throws<ArgumentException>(() => BenchArguments.Parse(["sandbox", "--iterations", value]).GetInt("iterations", 50, 1, 100));

    public static TheoryData<string[]> InvalidCommandLines { get; } = new(
        ["sandbox", "--iterations"],
        ["sandbox", "--warmup", "1", "--warmup", "2"],
        ["sandbox", "other"],
        ["sandbox", "--=3"]);

    [Theory]
    [MemberData(nameof(InvalidCommandLines))]
    public void Parse_MissingValueRepeatedOptionOrSecondCommand_ThrowsArgument(string[] args) =>
        Assert.Throws<ArgumentException>(() => BenchArguments.Parse(args));

    [Fact]
    public void Unknown_MisspelledOption_IsReported() =>
        Assert.Equal(["iteration"], BenchArguments.Parse(["sandbox", "--iteration", "3", "--help"]).Unknown(["iterations"]));
}
