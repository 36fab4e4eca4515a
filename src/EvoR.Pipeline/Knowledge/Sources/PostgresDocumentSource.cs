using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace EvoR.Pipeline.Knowledge.Sources;

/// <summary>
/// Bases and documents in PostgreSQL (<c>Knowledge:Store=postgres</c>), the truth for every replica. Each change takes
/// the next value of one sequence; a base or document row keeps its latest state and sequence (a removal leaves a
/// tombstone), so "changes after N" is a range scan and a rebuild is a scan from 0. Writers take one advisory lock per
/// transaction so that sequences commit in order and a follower never skips a change still in flight; each write
/// notifies <c>evor_kb</c>, which followers LISTEN to, with polling as the fallback.
/// </summary>
internal sealed class PostgresDocumentSource(NpgsqlDataSource dataSource) : IKnowledgeDocumentSource
{
    public const string Channel = "evor_kb";

    /// <summary>Advisory lock key of writes (an arbitrary constant, "EvoRKbWr").</summary>
    private const long WriteLock = 0x45766F524B625772;

    private const string BaseColumns = "seq, name, parent, description, created_at, owner, shared, job_id, created_seq, deleted";

    private readonly SemaphoreSlim _listenGate = new(1, 1);
    private NpgsqlConnection? _listener;
    private int _disposed;

    public bool IsShared => true;

    public Task InitializeAsync(CancellationToken cancellationToken) => PostgresKnowledgeSchema.MigrateAsync(dataSource, cancellationToken);

    public async Task<IReadOnlyList<SourceBase>> ListBasesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {BaseColumns} FROM evor_kb_bases WHERE NOT deleted ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var bases = new List<SourceBase>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            bases.Add(ReadBase(reader).BaseMeta!);
        }

        return bases;
    }

    public Task<long> CreateBaseAsync(KnowledgeBaseMeta meta, CancellationToken cancellationToken) =>
        InWriteAsync(async (connection, transaction) =>
        {
            // A deleted base's row is reused: its name is free again, under a new incarnation (created_seq).
            await using var command = new NpgsqlCommand(
                """
                WITH s AS (SELECT nextval('evor_kb_seq') AS v)
                INSERT INTO evor_kb_bases (name, parent, description, created_at, owner, shared, job_id, created_seq, seq, deleted)
                SELECT $1, $2, $3, $4, $5, $6, $7, s.v, s.v, false FROM s
                ON CONFLICT (name) DO UPDATE SET parent = excluded.parent, description = excluded.description,
                    created_at = excluded.created_at, owner = excluded.owner, shared = excluded.shared, job_id = excluded.job_id,
                    created_seq = excluded.created_seq, seq = excluded.seq, deleted = false
                WHERE evor_kb_bases.deleted
                RETURNING seq
                """,
                connection,
                transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = meta.Name });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)meta.Parent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)meta.Description ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = meta.CreatedAt.ToUniversalTime() });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)meta.Owner ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = meta.Shared });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)meta.JobId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long seq
                ? seq
                : throw new KnowledgeException(KnowledgeErrorKind.BaseAlreadyExists, $"Knowledge base '{meta.Name}' exists already.", "name");
        },
        cancellationToken);

    public Task<long> DeleteBaseAsync(string name, CancellationToken cancellationToken) =>
        InWriteAsync(async (connection, transaction) =>
        {
            await using (var documents = new NpgsqlCommand(
                "DELETE FROM evor_kb_documents WHERE base IN (SELECT name FROM evor_kb_bases WHERE (name = $1 OR parent = $1) AND NOT deleted)", connection, transaction))
            {
                documents.Parameters.Add(new NpgsqlParameter { Value = name });
                await documents.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Overlays first, so that the base's own tombstone is the last change.
            var last = 0L;
            foreach (var which in (string[])["parent = $1", "name = $1"])
            {
                await using var tombstone = new NpgsqlCommand(
                    $"UPDATE evor_kb_bases SET deleted = true, seq = nextval('evor_kb_seq') WHERE {which} AND NOT deleted RETURNING seq", connection, transaction);
                tombstone.Parameters.Add(new NpgsqlParameter { Value = name });
                await using var reader = await tombstone.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    last = Math.Max(last, reader.GetInt64(0));
                }
            }

            return last;
        },
        cancellationToken);

    public async Task<SourceWrite> WriteDocumentsAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return new SourceWrite(0, 0);
        }

        var removed = 0;
        var last = await InWriteAsync(async (connection, transaction) =>
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var write in writes)
            {
                batch.BatchCommands.Add(write.Document is { } document
                    ? new NpgsqlBatchCommand(
                        """
                        INSERT INTO evor_kb_documents (base, id, document, hash, seq)
                        SELECT $1, $2, $3, $4, nextval('evor_kb_seq') WHERE EXISTS (SELECT 1 FROM evor_kb_bases WHERE name = $1 AND NOT deleted)
                        ON CONFLICT (base, id) DO UPDATE SET document = excluded.document, hash = excluded.hash, seq = excluded.seq
                        RETURNING seq
                        """)
                    {
                        Parameters = { new() { Value = write.Base }, new() { Value = write.Id }, new() { Value = JsonSerializer.Serialize(document, LuceneSchema.Json) }, new() { Value = write.Hash! } },
                    }
                    : new NpgsqlBatchCommand(
                        "UPDATE evor_kb_documents SET document = NULL, hash = NULL, seq = nextval('evor_kb_seq') WHERE base = $1 AND id = $2 AND document IS NOT NULL RETURNING seq")
                    {
                        Parameters = { new() { Value = write.Base }, new() { Value = write.Id } },
                    });
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var seq = 0L;
            var i = 0;
            do
            {
                var found = false;
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    found = true;
                    seq = Math.Max(seq, reader.GetInt64(0));
                    removed += writes[i].Document is null ? 1 : 0;
                }

                if (!found && writes[i].Document is not null)
                {
                    // The base was deleted (through another replica) since this one looked it up; nothing is committed.
                    throw new KnowledgeException(KnowledgeErrorKind.UnknownBase, $"No knowledge base named '{writes[i].Base}'.", "name");
                }

                i++;
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

            return seq;
        },
        cancellationToken).ConfigureAwait(false);
        return new SourceWrite(last, removed);
    }

    public async Task<IReadOnlyList<SourceChange>> ReadChangesAsync(long after, int limit, string? baseName, CancellationToken cancellationToken)
    {
        var changes = new List<SourceChange>();
        var onlyBase = baseName is null ? "" : " AND base = $3";
        await using (var documents = dataSource.CreateCommand($"SELECT seq, base, id, document, hash FROM evor_kb_documents WHERE seq > $1{onlyBase} ORDER BY seq LIMIT $2"))
        {
            AddRangeParameters(documents, after, limit, baseName);
            await using var reader = await documents.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var json = reader.IsDBNull(3) ? null : reader.GetString(3);
                changes.Add(new SourceChange(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    json is null ? null : JsonSerializer.Deserialize<KnowledgeDocument>(json, LuceneSchema.Json),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    null));
            }
        }

        await using (var bases = dataSource.CreateCommand($"SELECT {BaseColumns} FROM evor_kb_bases WHERE seq > $1{onlyBase.Replace("base", "name", StringComparison.Ordinal)} ORDER BY seq LIMIT $2"))
        {
            AddRangeParameters(bases, after, limit, baseName);
            await using var reader = await bases.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                changes.Add(ReadBase(reader));
            }
        }

        // Each query returned its first `limit` changes, so the first `limit` of both, merged, are the first overall.
        return [.. changes.OrderBy(c => c.Sequence).Take(limit)];
    }

    public async Task<long> HeadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT greatest(coalesce((SELECT max(seq) FROM evor_kb_bases), 0), coalesce((SELECT max(seq) FROM evor_kb_documents), 0))");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _listenGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_listener is null)
            {
                var listener = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var listen = new NpgsqlCommand($"LISTEN {Channel}", listener);
                await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _listener = listener;
            }

            // Returns at the first notification or at the timeout: the timeout is the polling fallback.
            await _listener.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The listening connection broke: drop it, poll this time, listen again next time.
            await DropListenerAsync().ConfigureAwait(false);
            await Task.Delay(timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _listenGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await DropListenerAsync().ConfigureAwait(false);
            _listenGate.Dispose();
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _listener?.Dispose();
            _listener = null;
            _listenGate.Dispose();
            dataSource.Dispose();
        }
    }

    private async Task DropListenerAsync()
    {
        if (_listener is { } listener)
        {
            _listener = null;
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="write"/> in a transaction under the write lock and notifies followers of its last sequence.</summary>
    private async Task<long> InWriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task<long>> write, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({WriteLock})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var seq = await write(connection, transaction).ConfigureAwait(false);
        if (seq > 0)
        {
            await using var notify = new NpgsqlCommand($"SELECT pg_notify('{Channel}', $1)", connection, transaction) { Parameters = { new() { Value = seq.ToString(System.Globalization.CultureInfo.InvariantCulture) } } };
            await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return seq;
    }

    private static void AddRangeParameters(NpgsqlCommand command, long after, int limit, string? baseName)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)limit });
        if (baseName is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = baseName });
        }
    }

    private static SourceChange ReadBase(NpgsqlDataReader reader)
    {
        var name = reader.GetString(1);
        if (reader.GetBoolean(9))
        {
            return new SourceChange(reader.GetInt64(0), name, null, null, null, null);
        }

        var meta = new KnowledgeBaseMeta
        {
            Name = name,
            Parent = reader.IsDBNull(2) ? null : reader.GetString(2),
            Description = reader.IsDBNull(3) ? null : reader.GetString(3),
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc)),
            Owner = reader.IsDBNull(5) ? null : reader.GetString(5),
            Shared = reader.GetBoolean(6),
            JobId = reader.IsDBNull(7) ? null : reader.GetString(7),
        };
        return new SourceChange(reader.GetInt64(0), name, null, null, null, new SourceBase(meta, reader.GetInt64(8)));
    }
}
