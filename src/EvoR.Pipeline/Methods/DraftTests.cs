using EvoR.Sandbox;

namespace EvoR.Pipeline.Methods;

/// <summary>
/// The tests a run writes once, before its first round (step 1): generated test inputs (EvoR) that drafts run on,
/// and/or self-tests (Reflexion) that drafts must pass. Either may be empty when the method does not write them or
/// the reply held none.
/// </summary>
internal sealed record DraftTests(IReadOnlyList<string> Inputs, TestSpec? SelfTests)
{
    /// <summary>What the query rewrite is shown as the inputs the draft ran on: a self-test script, else the inputs.</summary>
    public IReadOnlyList<string> ShownToRewrite => SelfTests is ScriptTests script ? [script.Code] : Inputs;

    /// <summary>The tests as the result reports them (<see cref="MethodResult.TestInputs"/>): the self-tests when written, else the inputs.</summary>
    public IReadOnlyList<string> AsWritten => SelfTests switch
    {
        ScriptTests script => [script.Code],
        IoTests io => [.. io.Cases.Select(c => c.Stdin)],
        _ => Inputs,
    };
}
