using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Process;

[Collection(SandboxCollection.Name)]
public sealed class SmokeTests(SandboxFixture fixture)
{
    [Fact]
    public async Task Execute_HelloWorld_Passes()
    {
        fixture.SkipIfUnavailable();
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = "print('hello')" }, TestContext.Current.CancellationToken);
        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
        Assert.Equal("hello\n", result.Stdout);
    }

    [Fact]
    public async Task Health_AllBuiltInLanguages_Available()
    {
        fixture.SkipIfUnavailable();
        var report = await fixture.Health.CheckAsync(TestContext.Current.CancellationToken);
        Assert.True(report.Healthy, report.Message);
        Assert.All(report.Languages, l => Assert.True(l.Available, $"{l.Name}: {report.Message}"));
    }
}
