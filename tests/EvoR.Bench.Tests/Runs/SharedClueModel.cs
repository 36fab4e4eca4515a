using EvoR.Bench.Datasets;
using EvoR.Testing;
using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Bench.Tests.Runs;

/// <summary>
/// A scripted model for <see cref="ScriptedSharedClueDataset"/>: it writes <c>fetch</c> only when its prompt shows
/// <c>Vault.fetch</c> (the documentation page) or <c>vault.fetch(</c> (working code), else the removed <c>get</c>; and it
/// reads the primary key with <c>vault.primary()</c> only when its prompt shows that call, else it guesses the smallest
/// key. Its rewrite for the clueless problem asks for working code on the primary key; the others ask what replaced
/// <c>get</c>. Its replies are labelled scripted by the LLM layer.
/// </summary>
internal static class SharedClueModel
{
    public const string CluelessRewrite = "Working code that ran clean on the primary key of a Vault";

    public static ScriptedChatCompletionService Create(Action<string>? before = null) => new()
    {
        Responder = h =>
        {
            var prompt = h.Last(m => m.Role == AuthorRole.User).Content ?? "";
            before?.Invoke(prompt);
            return Respond(prompt);
        },
    };

    /// <summary>The task of a prompt: the text after its last <c>Task:</c> line, to the next blank line (retrieved
    /// documents come before it, so another problem's question in them is never taken for this one's).</summary>
    public static string Task(string prompt)
    {
        var start = prompt.LastIndexOf("Task:\n", StringComparison.Ordinal);
        if (start < 0)
        {
            return "";
        }

        var text = prompt[(start + "Task:\n".Length)..];
        var end = text.IndexOf("\n\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    public static string Respond(string prompt)
    {
        var task = Task(prompt);
        if (prompt.Contains("Answer with a JSON array of strings only", StringComparison.Ordinal))
        {
            return "[\"print(0)\"]";
        }

        if (prompt.Contains("Answer with the query only", StringComparison.Ordinal))
        {
            return task.Contains("double_primary(", StringComparison.Ordinal) ? CluelessRewrite : GapModel.Rewrite;
        }

        if (prompt.Contains("Do not write code.", StringComparison.Ordinal))
        {
            return "Use the documented accessor.";
        }

        if (prompt.Contains("unit tests for a", StringComparison.Ordinal))
        {
            return "```python\nassert True\n```";
        }

        var read = prompt.Contains("Vault.fetch", StringComparison.Ordinal) || prompt.Contains("vault.fetch(", StringComparison.Ordinal) ? "fetch" : "get";
        var primary = prompt.Contains(ScriptedSharedClueDataset.UndocumentedCall, StringComparison.Ordinal) ? "vault.primary()" : "vault.keys()[0]";
        var body = task.Contains("read_primary(", StringComparison.Ordinal) ? $"def read_primary(vault):\n    return vault.{read}({primary})\n"
            : task.Contains("total(", StringComparison.Ordinal) ? $"def total(vault):\n    return sum(vault.{read}(k) for k in vault.keys())\n"
            : $"def double_primary(vault):\n    return 2 * vault.{read}({primary})\n";
        return "```python\n" + body + "```";
    }
}
