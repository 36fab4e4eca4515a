using System.Globalization;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Evolution;

/// <summary>What knowledge evolution did with one draft.</summary>
/// <param name="DocumentId">The document written (or skipped).</param>
/// <param name="Source">CodeSnippet for a clean draft, ExecutionFeedback for a failing one.</param>
/// <param name="Written">False when the store skipped it (unchanged, near-duplicate) or refused it.</param>
/// <param name="Note">Why it was not written, when it was not.</param>
public sealed record EvolvedDocument(string DocumentId, SourceKind Source, bool Written, string? Note = null);

/// <summary>
/// Knowledge evolution (EvoR step 3): a draft that runs clean is added to the job's overlay as a
/// <see cref="SourceKind.CodeSnippet"/>; a failing one as <see cref="SourceKind.ExecutionFeedback"/> with its error.
/// Provenance is the problem id, the round and the job. A refusal of the store degrades the step, never the loop.
/// </summary>
public sealed class KnowledgeEvolver(IKnowledgeBaseStore store, IOptions<EvoROptions> options, ILogger<KnowledgeEvolver> logger)
{
    public async Task<EvolvedDocument> EvolveAsync(string overlay, GenerationProblem problem, int round, string jobId,
        string program, ExecutionReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(report);
        var clean = report.Clean;
        var source = clean ? SourceKind.CodeSnippet : SourceKind.ExecutionFeedback;
        var id = string.Create(CultureInfo.InvariantCulture, $"{problem.Id}/round-{round}/{source.ToWireName()}");
        var text = clean
            ? string.Create(CultureInfo.InvariantCulture, $"# Working {problem.Language} code for: {Title(problem)}\n\nThis program ran clean on its test inputs.\n\n```{problem.Language}\n{program}\n```\n")
            : string.Create(CultureInfo.InvariantCulture, $"# Execution feedback ({report.Verdict}) for: {Title(problem)}\n\n{report.Describe(options.Value.MaxFeedbackChars)}\n\nThe program that failed:\n\n```{problem.Language}\n{program}\n```\n");
        var document = new KnowledgeDocument
        {
            Id = id,
            Title = clean ? $"Working code: {problem.Id}" : $"Execution feedback: {problem.Id} round {round}",
            Text = text,
            Source = source,
            Language = problem.Language,
            Library = problem.Library,
            Provenance = new Provenance { ProblemId = problem.Id, Round = round, JobId = jobId },
        };
        try
        {
            var result = await store.AddDocumentsAsync(overlay, [document], cancellationToken);
            var skipped = result.SkippedDocuments.FirstOrDefault();
            return new EvolvedDocument(id, source, result.WrittenIds.Count > 0,
                skipped is null ? null : $"skipped: {skipped.Reason} {skipped.DuplicateOf}".TrimEnd());
        }
        catch (KnowledgeException ex)
        {
            MethodLog.KnowledgeRefused(logger, overlay, id, ex.Kind.ToString());
            return new EvolvedDocument(id, source, false, $"refused: {ex.Message}");
        }
    }

    private static string Title(GenerationProblem problem)
    {
        var firstLine = problem.Description.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? problem.Id;
        return firstLine.Length > 120 ? firstLine[..120] : firstLine;
    }
}
