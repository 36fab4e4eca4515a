using EvoR.Llm.Usage;
using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Generation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Methods;

/// <summary>Everything the methods share; one instance per container.</summary>
public sealed class MethodServices(
    GenerationChat chat,
    DraftExecutor executor,
    KnowledgeRetriever retriever,
    QueryEvolver queryEvolver,
    KnowledgeEvolver knowledgeEvolver,
    ILlmUsageTracker usage,
    TimeProvider time,
    IOptions<EvoROptions> options,
    ILogger<MethodServices> logger,
    PipelineTelemetry? telemetry = null)
{
    private readonly PipelineTelemetry _telemetry = telemetry ?? new PipelineTelemetry();

    internal GenerationChat Chat => chat;
    internal DraftExecutor Executor => executor;
    internal KnowledgeRetriever Retriever => retriever;
    internal QueryEvolver QueryEvolver => queryEvolver;
    internal KnowledgeEvolver KnowledgeEvolver => knowledgeEvolver;
    internal ILlmUsageTracker Usage => usage;
    internal TimeProvider Time => time;
    internal EvoROptions Options => options.Value;
    internal ILogger Logger => logger;
    internal PipelineTelemetry Telemetry => _telemetry;
}
