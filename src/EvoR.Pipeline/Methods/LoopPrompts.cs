using System.Globalization;
using System.Text;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Methods;

/// <summary>
/// The loop's prompts, filled from <see cref="PromptSet"/>. Every one starts from the problem (language, library
/// clause, question), so a template that names them always gets them, whichever step renders it.
/// </summary>
internal static class LoopPrompts
{
    /// <summary>EvoR step 1: ask for up to <paramref name="count"/> test inputs in the problem's style.</summary>
    public static string TestInputs(GenerationProblem problem, int count) =>
        Render(problem.Style == ProgramStyle.Stdin ? PromptSet.TestInputsStdin : PromptSet.TestInputsFunction, problem, ("count", Num(count)));

    /// <summary>Reflexion: ask for up to <paramref name="count"/> unit tests in the problem's style.</summary>
    public static string SelfTests(GenerationProblem problem, int count) =>
        Render(problem.Style == ProgramStyle.Stdin ? PromptSet.SelfTestsStdin : PromptSet.SelfTestsFunction, problem, ("count", Num(count)));

    /// <summary>Reflexion: ask why <paramref name="program"/> failed, given its execution feedback.</summary>
    public static string Reflect(GenerationProblem problem, string program, string feedback) =>
        Render(PromptSet.Reflect, problem, ("program", program), ("feedback", feedback));

    /// <summary>The generation prompt: question, retrieved documents, code context and (Reflexion) the last attempt with reflections.</summary>
    public static string Generate(GenerationProblem problem, Retrieval retrieval, string? previousProgram, IReadOnlyList<string> reflections)
    {
        var documents = "";
        if (retrieval.Hits.Count > 0)
        {
            var items = new StringBuilder();
            for (var i = 0; i < retrieval.Hits.Count; i++)
            {
                var chunk = retrieval.Hits[i].Chunk;
                items.Append(PromptSet.Render(PromptSet.DocumentItem, ("n", Num(i + 1)), ("source", chunk.Source.ToWireName()),
                    ("title", chunk.Title ?? chunk.DocumentId), ("text", chunk.Text)));
            }

            documents = PromptSet.Render(PromptSet.DocumentsSection, ("items", items.ToString().TrimEnd()));
        }

        // At most the last three reflections, so that the prompt stays bounded however many rounds ran.
        var attempts = previousProgram is not null && reflections.Count > 0
            ? PromptSet.Render(PromptSet.AttemptsSection, ("language", problem.Language), ("program", previousProgram),
                ("reflections", string.Join('\n', reflections.TakeLast(3).Select(r => $"- {r}"))))
            : "";
        var context = problem.CodeContext is { Length: > 0 } ctx
            ? PromptSet.Render(PromptSet.ContextSection, ("language", problem.Language), ("code_context", ctx))
            : "";
        return Render(PromptSet.Generate, problem, ("documents", documents), ("attempts", attempts), ("context", context));
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Render(string template, GenerationProblem problem, params (string Name, string? Value)[] values) =>
        PromptSet.Render(template, [("language", problem.Language), ("library", PromptSet.LibraryClause(problem)), ("question", problem.Description), .. values]);
}
