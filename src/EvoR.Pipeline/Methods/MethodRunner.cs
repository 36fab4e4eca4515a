using System.Threading.Channels;
using EvoR.Pipeline.Generation;
using EvoR.Sandbox;
using Microsoft.Extensions.Logging;

namespace EvoR.Pipeline.Methods;

/// <summary>Scores an answer: it runs on the hidden tests in the sandbox; pass@1 is the share whose verdict is Passed.</summary>
public sealed class HiddenTestScorer(ICodeExecutor executor)
{
    public async Task<Score> ScoreAsync(GenerationProblem problem, string answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.HiddenTests is null)
        {
            return new Score(false, null, "The problem has no hidden tests.");
        }

        try
        {
            var result = await executor.ExecuteAsync(new ExecutionRequest { Language = problem.Language, Code = answer, Tests = problem.HiddenTests }, cancellationToken);
            return new Score(true, result.Verdict, result.Message);
        }
        catch (ExecutionRequestException ex)
        {
            return new Score(true, Verdict.SandboxError, ex.Message);
        }
    }
}

/// <summary>A started run: its rounds as they happen, and its scored result.</summary>
public sealed record MethodRun(IAsyncEnumerable<RoundEvent> Rounds, Task<ScoredResult> Result);

/// <summary>pass@1 (execution accuracy) of one method over a set of problems.</summary>
public sealed record MethodScore(string Method, int Problems, int Scored, int Passed, IReadOnlyList<ScoredResult> Results)
{
    public double PassAt1 => Scored == 0 ? 0 : (double)Passed / Scored;
}

/// <summary>
/// Runs methods on problems and scores them, all with the same LLM and the same scorer. A method never sees the
/// hidden tests: they are stripped before it runs and used only by <see cref="HiddenTestScorer"/> afterwards.
/// </summary>
public sealed class MethodRunner(IEnumerable<IGenerationMethod> methods, HiddenTestScorer scorer, ILogger<MethodRunner> logger)
{
    /// <summary>The registered methods by name.</summary>
    public IReadOnlyDictionary<string, IGenerationMethod> Methods { get; } = methods.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);

    public async Task<ScoredResult> RunAsync(IGenerationMethod method, GenerationProblem problem, MethodContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(problem);
        var result = await method.RunAsync(problem.WithoutHiddenTests(), context, cancellationToken);
        var score = await scorer.ScoreAsync(problem, result.Answer, cancellationToken);
        if (score.Scored)
        {
            MethodLog.Scored(logger, method.Name, problem.Id, score.Verdict.ToString()!);
        }

        return new ScoredResult(result, score);
    }

    /// <summary>Starts a run whose rounds can be read as an async stream while it goes on.</summary>
    public MethodRun Start(IGenerationMethod method, GenerationProblem problem, MethodContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var channel = Channel.CreateUnbounded<RoundEvent>(new UnboundedChannelOptions { SingleReader = true });
        var inner = context.OnRound;
        var streaming = context with
        {
            OnRound = async (e, ct) =>
            {
                if (inner is not null)
                {
                    await inner(e, ct);
                }

                channel.Writer.TryWrite(e);
            },
        };
        return new MethodRun(channel.Reader.ReadAllAsync(cancellationToken), RunThenCompleteAsync());

        async Task<ScoredResult> RunThenCompleteAsync()
        {
            try
            {
                var result = await RunAsync(method, problem, streaming, cancellationToken);
                channel.Writer.TryComplete();
                return result;
            }
            catch (Exception ex)
            {
                channel.Writer.TryComplete(ex);
                throw;
            }
        }
    }

    /// <summary>Runs every method on every problem, one at a time, and reports pass@1 per method.</summary>
    public async Task<IReadOnlyList<MethodScore>> EvaluateAsync(IEnumerable<IGenerationMethod> toRun, IReadOnlyList<GenerationProblem> problems,
        Func<IGenerationMethod, GenerationProblem, MethodContext> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(toRun);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(context);
        var scores = new List<MethodScore>();
        foreach (var method in toRun)
        {
            var results = new List<ScoredResult>();
            foreach (var problem in problems)
            {
                results.Add(await RunAsync(method, problem, context(method, problem), cancellationToken));
            }

            scores.Add(new MethodScore(method.Name, problems.Count, results.Count(r => r.Score.Scored), results.Count(r => r.Score.Passed), results));
        }

        return scores;
    }
}
