using System.ComponentModel.DataAnnotations;

namespace EvoR.Api.Generations;

/// <summary>
/// Configuration section <c>Generations</c>: where jobs are kept, how many run at once, how many may wait, and each
/// job's budgets (a request may ask for less or more, up to the maxima). Validated at start.
/// </summary>
public sealed class GenerationOptions : IValidatableObject
{
    public const string SectionName = "Generations";

    /// <summary>The connection string's name under <c>ConnectionStrings</c> (environment <c>ConnectionStrings__EvoR</c>).</summary>
    public const string ConnectionStringName = "EvoR";

    /// <summary>Where jobs, events and results are kept: <c>sqlite</c> (default: one embedded file, one process) or
    /// <c>postgres</c> (<c>ConnectionStrings:EvoR</c>; any number of replicas share the jobs and the queue).</summary>
    [RegularExpression("^(?i:sqlite|postgres)$", ErrorMessage = "Generations:Store must be 'sqlite' or 'postgres'.")]
    public string Store { get; set; } = "sqlite";

    /// <summary>The work queue's lease and wake-up on PostgreSQL (<c>Generations:Postgres:*</c>).</summary>
    public GenerationPostgresOptions Postgres { get; set; } = new();

    public bool UsesPostgres => string.Equals(Store, "postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>The SQLite database of jobs, their events and results (WAL mode; created with its folder when
    /// missing). A relative path is under the content root. Default <c>data/generations.db</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DatabasePath { get; set; } = "data/generations.db";

    /// <summary>Jobs that run at the same time. Default 2, range 1–64.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 2;

    /// <summary>Jobs that may wait for a worker; past it a new job is refused with 503 and <c>Retry-After</c>. With
    /// PostgreSQL it counts the jobs queued across every replica. Default 32, range 0–10000.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; } = 32;

    /// <summary>The <c>Retry-After</c> sent with a refusal for a full queue, in seconds. Default 10, range 1–3600.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 10;

    /// <summary>A job's wall-clock budget (queue wait not counted), in seconds. Default 600, range 1–86400.</summary>
    [Range(1, 86_400)]
    public int DefaultTimeBudgetSeconds { get; set; } = 600;

    /// <summary>The most a request may ask for as <c>timeBudgetSeconds</c>. Default 3600, range 1–86400.</summary>
    [Range(1, 86_400)]
    public int MaxTimeBudgetSeconds { get; set; } = 3600;

    /// <summary>A job's token budget (prompt + completion tokens the provider reported). Checked before each LLM
    /// call, so a job stops at most one call past it. Default 200000, range 1000–100000000.</summary>
    [Range(1000, 100_000_000)]
    public long DefaultTokenBudget { get; set; } = 200_000;

    /// <summary>The most a request may ask for as <c>tokenBudget</c>. Default 1000000, range 1000–100000000.</summary>
    [Range(1000, 100_000_000)]
    public long MaxTokenBudget { get; set; } = 1_000_000;

    /// <summary>Seconds between keep-alive comments on an idle event stream. Default 15, range 1–300.</summary>
    [Range(1, 300)]
    public int EventStreamHeartbeatSeconds { get; set; } = 15;

    /// <summary>Model aliases of <c>/v1/chat/completions</c> and <c>/v1/models</c>, by alias (case-insensitive):
    /// <c>Generations:Models:&lt;alias&gt;:Method</c>, <c>:KnowledgeBase</c>, <c>:Language</c>, <c>:Library</c>,
    /// <c>:Sources</c>, <c>:MaxRounds</c>, <c>:Description</c>. Default: none.</summary>
    public Dictionary<string, GenerationModelOptions> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Data annotations do not look into a nested object on their own.
        var nested = new List<ValidationResult>();
        Validator.TryValidateObject(Postgres, new ValidationContext(Postgres), nested, validateAllProperties: true);
        foreach (var result in nested)
        {
            yield return new ValidationResult($"Generations:Postgres: {result.ErrorMessage}", [nameof(Postgres)]);
        }

        foreach (var (alias, model) in Models)
        {
            foreach (var problem in model.Problems(alias))
            {
                yield return new ValidationResult(problem, [nameof(Models)]);
            }
        }

        if (DefaultTimeBudgetSeconds > MaxTimeBudgetSeconds)
        {
            yield return new ValidationResult(
                $"Generations:DefaultTimeBudgetSeconds ({DefaultTimeBudgetSeconds}) must not exceed Generations:MaxTimeBudgetSeconds ({MaxTimeBudgetSeconds}).",
                [nameof(DefaultTimeBudgetSeconds)]);
        }

        if (DefaultTokenBudget > MaxTokenBudget)
        {
            yield return new ValidationResult(
                $"Generations:DefaultTokenBudget ({DefaultTokenBudget}) must not exceed Generations:MaxTokenBudget ({MaxTokenBudget}).",
                [nameof(DefaultTokenBudget)]);
        }
    }
}

/// <summary>
/// Section <c>Generations:Postgres</c>: how replicas share the queue. A replica holds a lease on each job it runs and
/// renews it every third of <see cref="LeaseSeconds"/>; a job whose lease ran out (its replica died) is marked
/// interrupted by any live replica.
/// </summary>
public sealed class GenerationPostgresOptions
{
    /// <summary>How long a running job stays its replica's without a renewal, in seconds: the time after a kill -9
    /// before its jobs end interrupted. Default 30, range 3–3600.</summary>
    [Range(3, 3600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>The longest an idle worker waits before it looks for a queued job again when no notification came
    /// (LISTEN/NOTIFY wakes it at once otherwise), and the bound on a missed event's delay. Default 2, range 1–60.</summary>
    [Range(1, 60)]
    public int PollSeconds { get; set; } = 2;
}
