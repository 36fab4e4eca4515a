using System.Data.Common;
using System.Text.Json;

namespace EvoR.Api.Generations;

/// <summary>What every store writes and reads the same way: the columns of a job row, in order, and the data of the
/// terminal event written with a job's end.</summary>
internal static class GenerationRows
{
    /// <summary>The columns <see cref="ReadJob"/> reads, in its order.</summary>
    public const string JobColumns =
        "id, status, owner, spec, created_at, started_at, finished_at, answer, score, prompt_tokens, completion_tokens, llm_calls, error";

    /// <summary>A job from a row of <see cref="JobColumns"/>; <paramref name="time"/> reads a timestamp column the
    /// store's way (text in SQLite, <c>timestamptz</c> in PostgreSQL).</summary>
    public static GenerationJobRecord ReadJob(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> time) => new()
    {
        Id = reader.GetString(0),
        Status = GenerationStatuses.Parse(reader.GetString(1)),
        Owner = reader.IsDBNull(2) ? null : reader.GetString(2),
        Spec = GenerationJson.Deserialize<GenerationJobSpec>(reader.GetString(3)),
        CreatedAt = time(reader, 4),
        StartedAt = reader.IsDBNull(5) ? null : time(reader, 5),
        FinishedAt = reader.IsDBNull(6) ? null : time(reader, 6),
        Answer = reader.IsDBNull(7) ? null : GenerationJson.Deserialize<GenerationAnswer>(reader.GetString(7)),
        Score = reader.IsDBNull(8) ? null : GenerationJson.Deserialize<GenerationScore>(reader.GetString(8)),
        Usage = new GenerationUsage(reader.GetInt64(9), reader.GetInt64(10), reader.GetInt32(11)),
        Error = reader.IsDBNull(12) ? null : GenerationJson.Deserialize<GenerationError>(reader.GetString(12)),
    };

    /// <summary>The outcome's members as stored: answer, score and error as JSON, or null.</summary>
    public static (string? Answer, string? Score, string? Error) Serialize(GenerationOutcome outcome) => (
        outcome.Answer is null ? null : GenerationJson.Serialize(outcome.Answer),
        outcome.Score is null ? null : GenerationJson.Serialize(outcome.Score),
        outcome.Error is null ? null : GenerationJson.Serialize(outcome.Error));

    /// <summary>
    /// The end event says what the job amounts to, as its view does: <paramref name="job"/> is the row as just written
    /// and <paramref name="events"/> its events so far. A round that does not read back (never expected) costs the end
    /// event its outcome, never the job its end.
    /// </summary>
    public static string TerminalEvent(GenerationJobRecord job, GenerationOutcome outcome, IReadOnlyList<GenerationEventRecord> events)
    {
        var terminal = new GenerationTerminalEvent(job.Id, outcome.Status.ToWire(), outcome.Answer, outcome.Score, outcome.Usage, outcome.Error);
        try
        {
            var rounds = GenerationReadout.Rounds(events);
            var answerOutcome = GenerationReadout.Outcome(job, rounds);
            terminal = terminal with { Outcome = answerOutcome, Summary = GenerationReadout.Summary(job, answerOutcome, rounds) };
        }
        catch (JsonException)
        {
        }

        return GenerationJson.Serialize(terminal);
    }
}

/// <summary>The data of a job's last event (<c>end</c>): how it ended, with the same members as the job view.</summary>
public sealed record GenerationTerminalEvent(string Id, string Status, GenerationAnswer? Answer, GenerationScore? Score,
    GenerationUsage Usage, GenerationError? Error)
{
    /// <summary>Whether the answer passed, as the job view's <c>outcome</c>.</summary>
    public AnswerOutcome? Outcome { get; init; }

    /// <summary>The outcome in one line, as the job view's <c>summary</c>.</summary>
    public string? Summary { get; init; }
}
