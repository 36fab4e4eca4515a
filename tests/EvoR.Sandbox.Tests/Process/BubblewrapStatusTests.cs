using EvoR.Sandbox.Process;

namespace EvoR.Sandbox.Tests.Process;

/// <summary>bubblewrap's <c>--json-status-fd</c> output is read as JSON, object by object.</summary>
public sealed class BubblewrapStatusTests
{
    [Theory]
    [InlineData("", null, null)]
    [InlineData("{ \"child-pid\": 17, \"cgroup-namespace\": 4026531835, \"pid-namespace\": 4026532210 }\n", 17, null)]
    [InlineData("{ \"child-pid\": 17 }\n{ \"exit-code\": 3 }\n", 17, 3)]
    [InlineData("{\"child-pid\":17}{\"exit-code\":0}", 17, 0)]
    [InlineData("{ \"child-pid\": 17 }\n{ \"exit-co", 17, null)]
    [InlineData("{ \"note\": { \"exit-code\": 9 }, \"child-pid\": 5 }", 5, null)]
    [InlineData("not json", null, null)]
    public void Parse_StatusLines_ChildPidAndExitCode(string json, int? childPid, int? exitCode) =>
        Assert.Equal(new BubblewrapStatus(childPid, exitCode), BubblewrapStatus.Parse(json));
}
