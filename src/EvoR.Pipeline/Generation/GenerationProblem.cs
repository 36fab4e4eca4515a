using EvoR.Sandbox;

namespace EvoR.Pipeline.Generation;

/// <summary>How a generated program is exercised: as code that tests call, or as a program reading standard input.</summary>
public enum ProgramStyle
{
    /// <summary>The program defines functions; test inputs and tests are statements appended to it (HumanEval style).</summary>
    Function,

    /// <summary>The program reads standard input and writes standard output; test inputs are stdin texts.</summary>
    Stdin,
}

/// <summary>One code-generation problem.</summary>
public sealed record GenerationProblem
{
    /// <summary>The slot in <see cref="CodeContext"/> that the generated code replaces.</summary>
    public const string InsertSlot = "[insert]";

    public required string Id { get; init; }

    /// <summary>The question: what the program must do. It is the first retrieval query (q0).</summary>
    public required string Description { get; init; }

    /// <summary>Sandbox language name (e.g. <c>python</c>).</summary>
    public required string Language { get; init; }

    /// <summary>The library the problem is about, if any; filters nothing, but is named in prompts and evolved documents.</summary>
    public string? Library { get; init; }

    /// <summary>A program with an <see cref="InsertSlot"/> where the generated code goes; null: the code is the program.</summary>
    public string? CodeContext { get; init; }

    public ProgramStyle Style { get; init; } = ProgramStyle.Function;

    /// <summary>Tests the loop may run and whose feedback it may use.</summary>
    public TestSpec? VisibleTests { get; init; }

    /// <summary>Tests for scoring only. They never reach a method: the runner strips them before a method runs.</summary>
    public TestSpec? HiddenTests { get; init; }

    /// <summary>The program to run: <paramref name="code"/> put in the code context's slot (appended when it has none).</summary>
    public string Assemble(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (CodeContext is not { Length: > 0 } context)
        {
            return code;
        }

        return context.Contains(InsertSlot, StringComparison.Ordinal)
            ? context.Replace(InsertSlot, code, StringComparison.Ordinal)
            : context + "\n" + code;
    }

    /// <summary>This problem as a method may see it.</summary>
    public GenerationProblem WithoutHiddenTests() => this with { HiddenTests = null };
}
