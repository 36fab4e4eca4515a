using EvoR.Bench.Scoring;
using EvoR.Sandbox;

namespace EvoR.Bench.Tests.Scoring;

public sealed class BrokenVariantsTests
{
    [Theory]
    [InlineData(nameof(BrokenVariantKind.WrongReturn), "    return None\n")]
    [InlineData(nameof(BrokenVariantKind.Raises), "    raise RuntimeError(\"evor-bench: broken variant\")\n")]
    public void Completion_EachKind_IsOneIndentedStatementReplacingTheBody(string kind, string expected) =>
        Assert.Equal(expected, BrokenVariants.Completion(Enum.Parse<BrokenVariantKind>(kind)));

    [Fact]
    public void Create_WrongReturn_KeepsPromptAndNamesTheVariant()
    {
        var problem = TestProblems.Add();

        var candidate = BrokenVariants.Create(problem, BrokenVariantKind.WrongReturn);

        Assert.Same(problem, candidate.Problem);
        Assert.Equal("broken:WrongReturn", candidate.Variant);
        Assert.DoesNotContain(problem.CanonicalSolution, candidate.Completion, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateAll_TwoProblems_EveryKindOfEveryProblemInOrder()
    {
        var candidates = BrokenVariants.CreateAll([TestProblems.Add("HumanEval/0"), TestProblems.Add("HumanEval/1")]);

        Assert.Equal(
            ["HumanEval/0 broken:WrongReturn", "HumanEval/0 broken:Raises", "HumanEval/1 broken:WrongReturn", "HumanEval/1 broken:Raises"],
            candidates.Select(c => c.Problem.TaskId + " " + c.Variant));
    }

    [Theory]
    [InlineData(nameof(BrokenVariantKind.WrongReturn), "Traceback…\nAssertionError\n", new[] { Verdict.Failed })]
    [InlineData(nameof(BrokenVariantKind.WrongReturn), "TypeError: unsupported operand type(s) for -: 'NoneType' and 'float'\n", new[] { Verdict.Failed, Verdict.RuntimeError })]
    [InlineData(nameof(BrokenVariantKind.Raises), "RuntimeError: evor-bench: broken variant\n", new[] { Verdict.Failed, Verdict.RuntimeError })]
    public void AcceptableVerdicts_ByKindAndErrorOutput_AreExactlyTheExpectedSet(string kind, string stderr, Verdict[] expected) =>
        Assert.Equal(expected.Order(), BrokenVariants.AcceptableVerdicts(Enum.Parse<BrokenVariantKind>(kind), stderr).Order());

    [Theory]
    [InlineData(nameof(BrokenVariantKind.WrongReturn))]
    [InlineData(nameof(BrokenVariantKind.Raises))]
    public void AcceptableVerdicts_AnyKind_NeverPassedNorSandboxError(string kind)
    {
        foreach (var stderr in new[] { "", "AssertionError" })
        {
            var verdicts = BrokenVariants.AcceptableVerdicts(Enum.Parse<BrokenVariantKind>(kind), stderr);
            Assert.DoesNotContain(Verdict.Passed, verdicts);
            Assert.DoesNotContain(Verdict.SandboxError, verdicts);
        }
    }
}
