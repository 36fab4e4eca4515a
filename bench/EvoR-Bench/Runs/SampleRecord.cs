using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvoR.Bench.Runs;

/// <summary>Why a sample did not pass; null when it passed. Wire names are kebab-case.</summary>
internal static class FailureClasses
{
    /// <summary>The answer ran to the end of the tests and a test failed.</summary>
    public const string WrongAnswer = "wrong-answer";

    /// <summary>The answer crashed, did not compile, or hit a limit.</summary>
    public const string RanWithErrors = "ran-with-errors";

    /// <summary>The model call failed after the LLM layer's retries (or no model is configured, or a cassette missed).</summary>
    public const string ModelCallFailed = "model-call-failed";

    /// <summary>The sandbox or the bench failed; never blamed on the method.</summary>
    public const string Infrastructure = "infrastructure";

    public static IReadOnlyList<string> All { get; } = [WrongAnswer, RanWithErrors, ModelCallFailed, Infrastructure];

    /// <summary>Failures <c>--retry-failed</c> runs again.</summary>
    public static bool Retryable(string? failure) => failure is ModelCallFailed or Infrastructure;
}

/// <summary>One round of a sample as <c>samples.jsonl</c> keeps it.</summary>
internal sealed record RoundRecord
{
    public required int Round { get; init; }
    public string? Query { get; init; }
    public IReadOnlyList<RetrievedRecord> Retrieved { get; init; } = [];
    public required string Program { get; init; }
    public IReadOnlyList<string> Verdicts { get; init; } = [];
    public bool RanClean { get; init; }

    /// <summary>Whether the hidden tests pass had the method stopped after this round (its answer rule applied).</summary>
    public bool PassedIfStoppedHere { get; init; }

    public long TokensIn { get; init; }
    public long TokensOut { get; init; }
    public int LlmCalls { get; init; }
    public double RetrievalMs { get; init; }
    public double GenerationMs { get; init; }
    public double ExecutionMs { get; init; }
    public double TotalMs { get; init; }
}

internal sealed record RetrievedRecord(string DocumentId, string Source, double Score);

/// <summary>One line of <c>samples.jsonl</c>: one (dataset, method, problem, sample), written once it finished.</summary>
internal sealed record SampleRecord
{
    public required string Dataset { get; init; }
    public required string Method { get; init; }
    public required string ProblemId { get; init; }
    public int Sample { get; init; }
    public required string ProblemHash { get; init; }
    public bool Passed { get; init; }

    /// <summary>The hidden-test verdict (null when no answer was scored).</summary>
    public string? Verdict { get; init; }

    /// <summary>The hidden tests ran to their end (passed or failed an assertion): the "ran clean" (syntax) accuracy.</summary>
    public bool RanClean { get; init; }

    public string? Failure { get; init; }
    public string? Error { get; init; }
    public string? Answer { get; init; }

    /// <summary><c>model</c>, <c>replay</c>, <c>scripted</c>, or the pseudo-method's name.</summary>
    public string? AnswerSource { get; init; }

    public int AnswerRound { get; init; }
    public string? Stop { get; init; }
    public IReadOnlyList<RoundRecord> Rounds { get; init; } = [];
    public long TokensIn { get; init; }
    public long TokensOut { get; init; }
    public int LlmCalls { get; init; }
    public double ElapsedMs { get; init; }
    public double ScoringMs { get; init; }
    public string? PromptSetHash { get; init; }

    /// <summary>Share of the problem's gold documentation lines found in the final round's generation prompt (0 when
    /// no prompt was sent); null when the problem names no gold docs.</summary>
    public double? GoldDocRecall { get; init; }

    public DateTimeOffset FinishedAt { get; init; }

    [JsonIgnore]
    public string Key => SampleKey(Dataset, Method, ProblemId, Sample);

    public static string SampleKey(string dataset, string method, string problemId, int sample) => $"{dataset}\u0001{method}\u0001{problemId}\u0001{sample}";
}

internal static class BenchJson
{
    public static JsonSerializerOptions Lines { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static JsonSerializerOptions Indented { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The last line per sample key of a <c>samples.jsonl</c> (a later line supersedes an earlier one);
    /// a torn last line (the process was killed mid-write) is skipped.</summary>
    public static async Task<Dictionary<string, SampleRecord>> ReadSamplesAsync(string path, CancellationToken cancellationToken)
    {
        var samples = new Dictionary<string, SampleRecord>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return samples;
        }

        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            SampleRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<SampleRecord>(line, Lines);
            }
            catch (JsonException)
            {
                continue;
            }

            if (record is not null)
            {
                samples[record.Key] = record;
            }
        }

        return samples;
    }
}
