using EvoR.Bench.Datasets;

namespace EvoR.Bench.Tests;

internal static class TestProblems
{
    public static HumanEvalProblem Add(string taskId = "HumanEval/0") => new()
    {
        TaskId = taskId,
        Prompt = "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n",
        CanonicalSolution = "    return a + b\n",
        Test = "def check(candidate):\n    assert candidate(1, 2) == 3\n",
        EntryPoint = "add",
    };
}
