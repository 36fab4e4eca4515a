using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Evolution;

/// <summary>One sandbox run of a draft: on the generated inputs, the self-tests, the visible tests, or bare.</summary>
public sealed record RunVerdict(string Label, Verdict Verdict, string? Message, string Stdout, string Stderr, long DurationMs);

/// <summary>Every run of one draft. A draft runs clean when every run passed.</summary>
public sealed partial record ExecutionReport(IReadOnlyList<RunVerdict> Runs)
{
    [GeneratedRegex(@"line \d+")]
    private static partial Regex LineNumber();

    [GeneratedRegex(@"0x[0-9a-fA-F]+")]
    private static partial Regex Address();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Space();

    public bool Clean => Runs.All(r => r.Verdict == Verdict.Passed);

    /// <summary>Passed when clean, else the verdict of the first run that did not pass.</summary>
    public Verdict Verdict => FirstFailure?.Verdict ?? Verdict.Passed;

    private RunVerdict? FirstFailure => Runs.FirstOrDefault(r => r.Verdict != Verdict.Passed);

    /// <summary>
    /// The first failure's message and error output with line numbers, addresses and whitespace runs normalised, so
    /// that the same error in a slightly different program compares equal. Empty when clean.
    /// </summary>
    public string NormalizedError
    {
        get
        {
            if (FirstFailure is not { } f)
            {
                return "";
            }

            var text = Address().Replace(LineNumber().Replace($"{f.Message}\n{Tail(f.Stderr, 600)}", "line N"), "0x?");
            return Space().Replace(text, " ").Trim();
        }
    }

    /// <summary>Feedback for prompts and evolved documents: each run's verdict, message and output tails.</summary>
    public string Describe(int maxChars)
    {
        if (Runs.Count == 0)
        {
            return "The program was not run.";
        }

        var text = new StringBuilder();
        foreach (var run in Runs)
        {
            text.Append(CultureInfo.InvariantCulture, $"{run.Label}: {run.Verdict}");
            if (run.Message is { Length: > 0 } message)
            {
                text.Append(". ").Append(message);
            }

            text.Append('\n');
            if (run.Verdict != Verdict.Passed)
            {
                if (run.Stderr.Trim().Length > 0)
                {
                    text.Append("stderr:\n").Append(Tail(run.Stderr, maxChars / 2)).Append('\n');
                }

                if (run.Stdout.Trim().Length > 0)
                {
                    text.Append("stdout:\n").Append(Tail(run.Stdout, maxChars / 4)).Append('\n');
                }
            }
        }

        return Tail(text.ToString().TrimEnd(), maxChars);
    }

    internal static string Tail(string text, int max) => text.Length <= max ? text : "…" + text[^max..];
}
