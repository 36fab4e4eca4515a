using System.Text.RegularExpressions;
using EvoR.Pipeline.Generation;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Evolution;

/// <summary>A rewritten query: the new query (the old one when the rewrite was unusable) and the reply it came from.</summary>
public sealed record QueryRewrite(string Query, LlmReply Reply, bool Degraded);

/// <summary>
/// Query evolution (EvoR step 4): the LLM rewrites the retrieval query from the question, the program, the test
/// inputs and the execution feedback. An empty rewrite keeps the current query and is reported as degraded.
/// </summary>
public sealed partial class QueryEvolver(GenerationChat chat, IOptions<EvoROptions> options)
{
    private const int MaxQueryChars = 1000;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Space();

    public async Task<QueryRewrite> RewriteAsync(GenerationProblem problem, string query, string program,
        IReadOnlyList<string> inputs, ExecutionReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(report);
        var prompt = PromptSet.Render(PromptSet.RewriteQuery,
            ("language", problem.Language), ("library", PromptSet.LibraryClause(problem)), ("question", problem.Description),
            ("query", query), ("program", program),
            ("inputs", inputs.Count == 0 ? "(none)" : string.Join('\n', inputs)),
            ("feedback", report.Describe(options.Value.MaxFeedbackChars)));
        var reply = await chat.AskAsync("rewrite-query", prompt, cancellationToken);
        var rewritten = Clean(reply.Text);
        return rewritten.Length == 0 ? new QueryRewrite(query, reply, Degraded: true) : new QueryRewrite(rewritten, reply, Degraded: false);
    }

    /// <summary>One line: fences, a leading <c>Query:</c> label and surrounding quotes removed, whitespace collapsed.</summary>
    internal static string Clean(string reply)
    {
        var text = CodeExtractor.Extract(reply).Code;
        text = Space().Replace(text, " ").Trim();
        if (text.StartsWith("query:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[6..].Trim();
        }

        text = text.Trim('"', '\'', '`').Trim();
        return text.Length > MaxQueryChars ? text[..MaxQueryChars] : text;
    }
}
