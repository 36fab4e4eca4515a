using EvoR.Api.Generations;
using EvoR.Pipeline.Generation;

namespace EvoR.Api.ChatCompletions;

/// <summary>
/// The completion a generation job answers, and the members every shape of its answer shares (a completion, each
/// chunk of a stream). Its id is the job's with OpenAI's prefix, so that the job can be found from the answer.
/// </summary>
internal sealed record ChatCompletionJob(string JobId, string Model, long Created)
{
    public string CompletionId => "chatcmpl-" + JobId;

    /// <summary>The prompt set's version: the answer to the same request changes when it does.</summary>
    public static string Fingerprint => "evor-" + PromptSet.Version;

    /// <summary>A chunk of the stream with these choices (none: the usage chunk).</summary>
    public ChatCompletionChunk Chunk(IReadOnlyList<ChatChunkChoice> choices) => new()
    {
        Id = CompletionId,
        Created = Created,
        Model = Model,
        SystemFingerprint = Fingerprint,
        Choices = choices,
    };

    /// <summary>The job's tokens in OpenAI's terms: every LLM call of every round, not one reply.</summary>
    public static ChatUsage Usage(GenerationJobRecord job) =>
        new(job.Usage.PromptTokens, job.Usage.CompletionTokens, job.Usage.PromptTokens + job.Usage.CompletionTokens);

    /// <summary>The answer's <c>evor</c> member: the job behind it and where the program came from.</summary>
    public static ChatEvoRInfo Info(GenerationJobRecord job, int rounds) =>
        new(job.Id, GenerationViews.Url(job.Id), job.Status.ToWire(), job.Answer?.Source, job.Answer?.Stop, rounds);
}
