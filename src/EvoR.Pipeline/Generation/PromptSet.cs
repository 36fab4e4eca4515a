using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EvoR.Pipeline.Generation;

/// <summary>
/// Every prompt EvoR sends, in one place. <see cref="Version"/> names the set; <see cref="Hash"/> (SHA-256 of the
/// version, names and templates) goes into every method result so that a score can be tied to the exact prompts.
/// Templates use <c>{{name}}</c> placeholders; change any template and bump the version.
/// </summary>
public static class PromptSet
{
    public const string Version = "evor-prompts-1";

    public const string System =
        "You are an expert programmer. You write correct, complete, runnable code and follow the requested answer format exactly.";

    /// <summary>Step 2 of EvoR: write the program from the question and the retrieved knowledge.</summary>
    public const string Generate =
        "Write {{language}} code{{library}} that solves the task below.\n" +
        "{{documents}}{{attempts}}" +
        "Task:\n{{question}}\n\n" +
        "{{context}}" +
        "Answer with the code in one fenced code block.";

    public const string DocumentsSection = "Reference material retrieved for this task (it may be incomplete or irrelevant):\n{{items}}\n\n";

    public const string DocumentItem = "[{{n}}] ({{source}}) {{title}}\n{{text}}\n";

    public const string ContextSection =
        "Your code replaces " + GenerationProblem.InsertSlot + " in this program; answer with that code only:\n```{{language}}\n{{code_context}}\n```\n\n";

    public const string AttemptsSection = "Your previous attempt failed:\n```{{language}}\n{{program}}\n```\nReflections on the failures so far:\n{{reflections}}\n\n";

    /// <summary>Step 1 of EvoR: test inputs to run drafts on (inputs only; no expected outputs).</summary>
    public const string TestInputsFunction =
        "Task:\n{{question}}\n\n" +
        "Write up to {{count}} test inputs that exercise a {{language}} solution of this task. Each input is one {{language}} " +
        "statement that calls the solution and prints the result (for example print(f(1, 2))). " +
        "Answer with a JSON array of strings only.";

    public const string TestInputsStdin =
        "Task:\n{{question}}\n\n" +
        "Write up to {{count}} test inputs for a {{language}} program solving this task. Each input is the whole text the " +
        "program reads from standard input. Answer with a JSON array of strings only.";

    /// <summary>Step 4 of EvoR: rewrite the retrieval query from the question, the program, its inputs and its feedback.</summary>
    public const string RewriteQuery =
        "A {{language}} program{{library}} was written for the task below and run. Write a new search query for the " +
        "documentation and code examples that would help fix or confirm it: name the functions, classes, errors and " +
        "concepts to look up.\n\n" +
        "Task:\n{{question}}\n\nCurrent query:\n{{query}}\n\nProgram:\n```{{language}}\n{{program}}\n```\n\n" +
        "Test inputs:\n{{inputs}}\n\nExecution feedback:\n{{feedback}}\n\n" +
        "Answer with the query only, on one line.";

    /// <summary>Reflexion: the model's own unit tests.</summary>
    public const string SelfTestsFunction =
        "Task:\n{{question}}\n\n" +
        "Write up to {{count}} unit tests for a {{language}} solution of this task as assert statements that call it. " +
        "Answer with the tests in one fenced code block.";

    public const string SelfTestsStdin =
        "Task:\n{{question}}\n\n" +
        "Write up to {{count}} test cases for a {{language}} program solving this task, which reads standard input and " +
        "writes standard output. Answer with a JSON array of objects {\"input\": \"...\", \"output\": \"...\"} only.";

    /// <summary>Reflexion: a short verbal reflection on a failed attempt.</summary>
    public const string Reflect =
        "Task:\n{{question}}\n\nThis {{language}} program failed its tests:\n```{{language}}\n{{program}}\n```\n\n" +
        "Execution feedback:\n{{feedback}}\n\n" +
        "In at most three sentences, say what went wrong and how to fix it. Do not write code.";

    private static readonly (string Name, string Template)[] Templates =
    [
        (nameof(System), System), (nameof(Generate), Generate), (nameof(DocumentsSection), DocumentsSection),
        (nameof(DocumentItem), DocumentItem), (nameof(ContextSection), ContextSection), (nameof(AttemptsSection), AttemptsSection),
        (nameof(TestInputsFunction), TestInputsFunction), (nameof(TestInputsStdin), TestInputsStdin), (nameof(RewriteQuery), RewriteQuery),
        (nameof(SelfTestsFunction), SelfTestsFunction), (nameof(SelfTestsStdin), SelfTestsStdin), (nameof(Reflect), Reflect),
    ];

    /// <summary>Lower-case hex SHA-256 of the version and every named template.</summary>
    public static string Hash { get; } = ComputeHash();

    /// <summary>Replaces each <c>{{name}}</c> with its value; unknown placeholders stay as they are.</summary>
    public static string Render(string template, params (string Name, string? Value)[] values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var text = new StringBuilder(template);
        foreach (var (name, value) in values)
        {
            text.Replace("{{" + name + "}}", value ?? "");
        }

        return text.ToString();
    }

    /// <summary>The <c>for library X</c> clause, or nothing.</summary>
    internal static string LibraryClause(GenerationProblem problem) =>
        problem.Library is { Length: > 0 } library ? string.Create(CultureInfo.InvariantCulture, $" using the library {library}") : "";

    private static string ComputeHash()
    {
        var all = new StringBuilder(Version).Append('\0');
        foreach (var (name, template) in Templates)
        {
            all.Append(name).Append('\0').Append(template).Append('\0');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all.ToString())));
    }
}
