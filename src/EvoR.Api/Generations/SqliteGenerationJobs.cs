using Microsoft.Data.Sqlite;
using static EvoR.Api.Generations.SqliteSql;

namespace EvoR.Api.Generations;

/// <summary>
/// The queries on job rows in SQLite (<c>generation_jobs</c>) that more than one store operation shares or that need
/// more than one statement: reading rows, building a page's filter, and ending a job with its terminal event.
/// </summary>
internal static class SqliteGenerationJobs
{
    /// <summary>The jobs that <paramref name="where"/> (a <c>WHERE</c>, <c>ORDER BY</c> and <c>LIMIT</c> tail) selects.</summary>
    public static async Task<List<GenerationJobRecord>> QueryAsync(SqliteConnection connection, SqliteTransaction? transaction, string where,
        (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {GenerationRows.JobColumns} FROM generation_jobs {where};", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var jobs = new List<GenerationJobRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(GenerationRows.ReadJob(reader, static (r, i) => Parse(r.GetString(i))));
        }

        return jobs;
    }

    /// <summary>The <c>WHERE … LIMIT</c> tail of one page of <see cref="IGenerationStore.ListAsync"/>, with its parameters.</summary>
    public static (string Where, (string, object?)[] Parameters) Page(string? owner, IReadOnlyCollection<GenerationStatus> statuses,
        string? method, (DateTimeOffset CreatedAt, string Id)? after, int limit)
    {
        var where = new List<string> { "(owner IS NULL OR owner = $owner)" };
        var parameters = new List<(string, object?)> { ("$owner", owner), ("$limit", limit) };
        if (statuses.Count > 0)
        {
            // Wire names are fixed identifiers, never user text.
            where.Add($"status IN ({string.Join(", ", statuses.Select(s => $"'{s.ToWire()}'"))})");
        }

        if (method is not null)
        {
            where.Add("method = $method");
            parameters.Add(("$method", method));
        }

        if (after is { } cursor)
        {
            where.Add("(created_at < $afterCreated OR (created_at = $afterCreated AND id < $afterId))");
            parameters.Add(("$afterCreated", Format(cursor.CreatedAt)));
            parameters.Add(("$afterId", cursor.Id));
        }

        return ($"WHERE {string.Join(" AND ", where)} ORDER BY created_at DESC, id DESC LIMIT $limit", [.. parameters]);
    }

    /// <summary>
    /// Writes how job <paramref name="id"/> ended and its terminal event, in <paramref name="transaction"/>, if it is
    /// still in one of <paramref name="from"/>; false (and nothing written) when another path ended it first.
    /// </summary>
    public static async Task<bool> FinishAsync(SqliteConnection connection, SqliteTransaction transaction, string id, GenerationOutcome outcome,
        IReadOnlyList<GenerationStatus> from, string terminalEventName, TimeProvider time, CancellationToken cancellationToken)
    {
        var allowed = string.Join(", ", from.Select(s => $"'{s.ToWire()}'"));
        var now = time.GetUtcNow();
        var (answer, score, error) = GenerationRows.Serialize(outcome);
        var changed = await ExecuteAsync(connection, transaction, $"""
            UPDATE generation_jobs
            SET status = $status, finished_at = $now, answer = $answer, score = $score,
                prompt_tokens = $in, completion_tokens = $out, llm_calls = $calls, error = $error
            WHERE id = $id AND status IN ({allowed});
            """, cancellationToken,
            ("$id", id), ("$status", outcome.Status.ToWire()), ("$now", Format(now)),
            ("$answer", answer), ("$score", score),
            ("$in", outcome.Usage.PromptTokens), ("$out", outcome.Usage.CompletionTokens), ("$calls", outcome.Usage.LlmCalls),
            ("$error", error));
        if (changed == 0)
        {
            return false;
        }

        var job = (await QueryAsync(connection, transaction, "WHERE id = $id", [("$id", id)], cancellationToken))[0];
        var terminal = GenerationRows.TerminalEvent(job, outcome, await SqliteGenerationEvents.ReadAsync(connection, transaction, id, 0, cancellationToken));
        await SqliteGenerationEvents.InsertAsync(connection, transaction, id, terminalEventName, terminal, time, cancellationToken);
        return true;
    }
}
