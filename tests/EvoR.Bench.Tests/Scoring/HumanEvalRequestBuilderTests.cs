using EvoR.Bench.Scoring;
using EvoR.Sandbox;

namespace EvoR.Bench.Tests.Scoring;

public sealed class HumanEvalRequestBuilderTests
{
    [Fact]
    public void Build_CanonicalCompletion_CodeIsPromptFollowedByCompletion()
    {
        var problem = TestProblems.Add();

        var request = HumanEvalRequestBuilder.Build(problem, problem.CanonicalSolution);

        Assert.Equal("python", request.Language);
        Assert.Equal("def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n", request.Code);
        Assert.Null(request.Stdin);
        Assert.Null(request.Limits);
    }

    [Fact]
    public void Build_AnyProblem_ScriptTestsAreTheTestThenCheckOfTheEntryPoint()
    {
        var problem = TestProblems.Add();

        var request = HumanEvalRequestBuilder.Build(problem, "    return 0\n");

        var tests = Assert.IsType<ScriptTests>(request.Tests);
        Assert.Equal("def check(candidate):\n    assert candidate(1, 2) == 3\n\n\ncheck(add)\n", tests.Code);
    }

    [Fact]
    public void Build_WithLimits_PassesThemThrough()
    {
        var limits = new ExecutionLimitsOverride { TimeoutMs = 10_000 };

        var request = HumanEvalRequestBuilder.Build(TestProblems.Add(), "    return 0\n", limits);

        Assert.Same(limits, request.Limits);
    }

    [Fact]
    public void Build_NullCompletion_Throws() =>
        Assert.Throws<ArgumentNullException>(() => HumanEvalRequestBuilder.Build(TestProblems.Add(), null!));
}
