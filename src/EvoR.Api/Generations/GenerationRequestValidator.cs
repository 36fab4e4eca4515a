using System.Globalization;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox.Languages;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations;

/// <summary>Turns a request body into a job spec, or into the problem detail that says what is wrong with it.</summary>
internal sealed class GenerationRequestValidator(
    IOptions<GenerationOptions> options,
    LanguageCatalog languages,
    IServiceProvider services)
{
    public const int MaxRoundsLimit = 20;
    public const double MaxTemperature = 2.0;
    public const int MinOutputTokens = 16;
    public const int MaxOutputTokens = 32_768;

    /// <summary>The method names the pipeline registers (<c>evor</c>, <c>vanilla</c>, <c>docprompting</c>,
    /// <c>reflexion</c>, <c>evor+reflexion</c>). Resolved on use: the methods pull in the knowledge store.</summary>
    public IReadOnlyCollection<string> Methods => services.GetRequiredService<MethodRunner>().Methods.Keys.ToList();

    public async Task<(GenerationJobSpec? Spec, IResult? Problem)> ValidateAsync(GenerationRequestBody? body, string origin,
        string? owner, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return (null, GenerationProblems.EmptyBody());
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var problem = body.Problem;
        if (problem is null)
        {
            errors["problem"] = ["A problem is required: { \"description\", \"language\", … }."];
        }
        else
        {
            if (string.IsNullOrWhiteSpace(problem.Description))
            {
                errors["problem.description"] = ["The problem's description (what the program must do) is required."];
            }

            if (string.IsNullOrWhiteSpace(problem.Language))
            {
                errors["problem.language"] = ["A language is required; GET /v1/languages lists them."];
            }
        }

        if (errors.Count > 0)
        {
            return (null, GenerationProblems.Validation(errors));
        }

        var method = string.IsNullOrWhiteSpace(body.Method) ? EvoRMethod.MethodName : body.Method.Trim().ToLowerInvariant();
        var methods = Methods;
        if (!methods.Contains(method))
        {
            return (null, GenerationProblems.UnknownMethod(body.Method!, methods));
        }

        if (!languages.TryGet(problem!.Language!.Trim(), out var language))
        {
            return (null, GenerationProblems.UnknownLanguage(problem.Language!, languages.All.Select(l => l.Name)));
        }

        ProgramStyle style;
        switch (problem.Style?.Trim().ToLowerInvariant())
        {
            case null or "" or "function":
                style = ProgramStyle.Function;
                break;
            case "stdin":
                style = ProgramStyle.Stdin;
                break;
            default:
                return (null, GenerationProblems.Invalid("problem.style", $"Unknown style '{problem.Style}'; use 'function' or 'stdin'."));
        }

        if (body.MaxRounds is { } rounds && rounds is < 1 or > MaxRoundsLimit)
        {
            return (null, GenerationProblems.OutOfRange("maxRounds", $"maxRounds must be between 1 and {MaxRoundsLimit}, not {rounds}."));
        }

        var o = options.Value;
        if (body.TimeBudgetSeconds is { } seconds && (seconds < 1 || seconds > o.MaxTimeBudgetSeconds))
        {
            return (null, GenerationProblems.OutOfRange("timeBudgetSeconds",
                $"timeBudgetSeconds must be between 1 and {o.MaxTimeBudgetSeconds} (Generations:MaxTimeBudgetSeconds), not {seconds}."));
        }

        if (body.TokenBudget is { } tokens && (tokens < 1 || tokens > o.MaxTokenBudget))
        {
            return (null, GenerationProblems.OutOfRange("tokenBudget",
                $"tokenBudget must be between 1 and {o.MaxTokenBudget} (Generations:MaxTokenBudget), not {tokens}."));
        }

        if (body.Llm?.Temperature is { } temperature && (double.IsNaN(temperature) || temperature < 0 || temperature > MaxTemperature))
        {
            return (null, GenerationProblems.OutOfRange("llm.temperature",
                $"llm.temperature must be between 0 and {MaxTemperature.ToString(CultureInfo.InvariantCulture)}."));
        }

        if (body.Llm?.MaxOutputTokens is { } outputTokens && outputTokens is < MinOutputTokens or > MaxOutputTokens)
        {
            return (null, GenerationProblems.OutOfRange("llm.maxOutputTokens",
                $"llm.maxOutputTokens must be between {MinOutputTokens} and {MaxOutputTokens}, not {outputTokens}."));
        }

        List<string>? sources = null;
        if (body.Sources is { Count: > 0 })
        {
            sources = [];
            for (var i = 0; i < body.Sources.Count; i++)
            {
                var field = $"sources[{i}]";
                try
                {
                    sources.Add(SourceKinds.Parse(body.Sources[i], field).ToWireName());
                }
                catch (KnowledgeException ex)
                {
                    return (null, GenerationProblems.InvalidSourceKind(field, ex.Message));
                }
            }
        }

        string? knowledgeBase = null;
        if (!string.IsNullOrWhiteSpace(body.KnowledgeBase))
        {
            knowledgeBase = body.KnowledgeBase.Trim();
            try
            {
                var info = await services.GetRequiredService<IKnowledgeBaseStore>().GetAsync(knowledgeBase, cancellationToken);
                if (!KnowledgeBases.KnowledgeAccess.CanRead(info, owner))
                {
                    return (null, GenerationProblems.UnknownKnowledgeBase(knowledgeBase));
                }
            }
            catch (KnowledgeException ex) when (ex.Kind is KnowledgeErrorKind.UnknownBase or KnowledgeErrorKind.InvalidName)
            {
                return (null, GenerationProblems.UnknownKnowledgeBase(knowledgeBase));
            }
        }

        var spec = new GenerationJobSpec
        {
            Description = problem.Description!,
            Language = language.Name,
            Library = string.IsNullOrWhiteSpace(problem.Library) ? null : problem.Library.Trim(),
            CodeContext = string.IsNullOrEmpty(problem.CodeContext) ? null : problem.CodeContext,
            Style = style,
            VisibleTests = problem.VisibleTests,
            HiddenTests = problem.HiddenTests,
            Method = method,
            KnowledgeBase = knowledgeBase,
            Sources = sources,
            MaxRounds = body.MaxRounds,
            TimeBudgetSeconds = body.TimeBudgetSeconds ?? o.DefaultTimeBudgetSeconds,
            TokenBudget = body.TokenBudget ?? o.DefaultTokenBudget,
            Temperature = body.Llm?.Temperature,
            MaxOutputTokens = body.Llm?.MaxOutputTokens,
            Origin = origin,
        };
        return (spec, null);
    }
}
