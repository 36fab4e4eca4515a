using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EvoR.Bench.Datasets;
using EvoR.Bench.Runs;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Methods;

namespace EvoR.Bench.Service;

/// <summary>
/// <c>run --service URL</c>: every sample is a generation job on a running EvoR service. The request carries the
/// problem without its hidden tests (scoring stays in the bench's own sandbox, as in-process), the method and the
/// dataset's knowledge base; the job's full view maps back to the <see cref="MethodResult"/> the in-process runner
/// gives (rounds with their generation prompts, answer, stop, tokens, calls), so both write the same results files.
/// </summary>
internal sealed class ServiceSampleGenerator(EvoRServiceClient client) : ISampleGenerator, IDisposable
{
    private const string ProblemPrefix = "urn:evor:problem:";

    /// <summary>The API's JSON: camelCase members and enum values, the tests' <c>kind</c> discriminator.</summary>
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowOutOfOrderMetadataProperties = true,
    };

    public Uri? Service => client.BaseAddress;

    public async Task<IReadOnlyCollection<string>> MethodsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.MethodsAsync(cancellationToken);
        }
        catch (BenchServiceException ex)
        {
            // Before any work: a service that is down or refuses the key is a configuration error of the run.
            throw new ArgumentException(ex.Message, ex);
        }
    }

    public async Task<string> EnsureKnowledgeBaseAsync(string name, IBenchDataset dataset, CancellationToken cancellationToken)
    {
        try
        {
            await client.EnsureKnowledgeBaseAsync(name, $"EvoR-Bench dataset {dataset.Name}", dataset.Documents, cancellationToken);
            return name;
        }
        catch (BenchServiceException ex)
        {
            throw new ArgumentException($"The documentation base of {dataset.Name} could not be made on the service: {ex.Message}", ex);
        }
    }

    public async Task<MethodResult> RunAsync(string method, GenerationProblem problem, MethodContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(context);
        var id = await client.CreateGenerationAsync(Request(method, problem, context), cancellationToken);
        try
        {
            using var job = await client.WaitForJobAsync(id, cancellationToken);
            return ToResult(method, problem.Id, job.RootElement);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: the job would otherwise run on (and spend tokens) on the service.
            await client.TryCancelAsync(id);
            throw;
        }
    }

    /// <summary>The <c>POST /v1/generations</c> body: the problem as a method may see it (never hidden tests).</summary>
    internal static JsonObject Request(string method, GenerationProblem problem, MethodContext context)
    {
        var body = new JsonObject
        {
            ["method"] = method,
            ["problem"] = new JsonObject
            {
                ["description"] = problem.Description,
                ["language"] = problem.Language,
                ["library"] = problem.Library,
                ["codeContext"] = problem.CodeContext,
                ["style"] = JsonNamingPolicy.CamelCase.ConvertName(problem.Style.ToString()),
                ["visibleTests"] = problem.VisibleTests is null ? null : JsonSerializer.SerializeToNode(problem.VisibleTests, Wire),
            },
        };
        if (context.KnowledgeBase is { } knowledgeBase)
        {
            body["knowledgeBase"] = knowledgeBase;
        }

        if (context.MaxRounds is { } rounds)
        {
            body["maxRounds"] = rounds;
        }

        return body;
    }

    /// <summary>A finished job's full view as the in-process runner's result.</summary>
    /// <exception cref="ServiceJobFailedException">The job did not succeed.</exception>
    internal static MethodResult ToResult(string method, string problemId, JsonElement job)
    {
        var status = job.GetProperty("status").GetString();
        if (status != "succeeded")
        {
            var error = job.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
            var type = error.ValueKind == JsonValueKind.Object ? error.GetProperty("type").GetString() ?? "" : "";
            var detail = error.ValueKind == JsonValueKind.Object ? $"{error.GetProperty("title").GetString()}: {error.GetProperty("detail").GetString()}" : "no error given";
            var modelFailed = type is ProblemPrefix + "llm-call-failed" or ProblemPrefix + "llm-not-configured";
            throw new ServiceJobFailedException($"Generation {job.GetProperty("id").GetString()} ended {status} ({type}): {detail}", modelFailed);
        }

        var prompts = job.TryGetProperty("generationPrompts", out var p) && p.ValueKind == JsonValueKind.Array
            ? [.. p.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null)]
            : new List<string?>();
        var trace = job.TryGetProperty("trace", out var t) ? t.Deserialize<List<RoundEvent>>(Wire) ?? [] : [];
        var rounds = trace.Select((r, i) => r with { GenerationPrompt = i < prompts.Count ? prompts[i] : null }).ToList();
        var answer = job.GetProperty("answer");
        var usage = job.GetProperty("usage");
        return new MethodResult
        {
            Method = method,
            ProblemId = problemId,
            Answer = answer.GetProperty("code").GetString()!,
            AnswerSource = answer.GetProperty("source").GetString()!,
            AnswerRound = answer.GetProperty("round").GetInt32(),
            Stop = Enum.Parse<StopReason>(answer.GetProperty("stop").GetString()!, ignoreCase: true),
            Rounds = rounds,
            PromptSetVersion = answer.GetProperty("promptSetVersion").GetString()!,
            PromptSetHash = answer.GetProperty("promptSetHash").GetString()!,
            TokensIn = usage.GetProperty("promptTokens").GetInt64(),
            TokensOut = usage.GetProperty("completionTokens").GetInt64(),
            LlmCalls = usage.GetProperty("llmCalls").GetInt32(),
            ElapsedMs = job.TryGetProperty("startedAt", out var s) && job.TryGetProperty("finishedAt", out var f) && s.ValueKind == JsonValueKind.String && f.ValueKind == JsonValueKind.String
                ? (f.GetDateTimeOffset() - s.GetDateTimeOffset()).TotalMilliseconds
                : 0,
        };
    }

    public void Dispose() => client.Dispose();
}
