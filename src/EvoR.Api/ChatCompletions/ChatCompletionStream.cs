using System.Text.Json;
using EvoR.Api.Generations;
using EvoR.Api.Problems;

namespace EvoR.Api.ChatCompletions;

/// <summary>
/// A streamed chat completion (<c>stream: true</c>): the role chunk at once, an SSE comment per round while the job
/// runs (OpenAI clients skip comments, a person watching the stream sees the job move), then the program in chunks,
/// the finish chunk, the usage chunk if asked for, and <c>data: [DONE]</c>. A job that did not succeed ends the stream
/// with OpenAI's <c>error</c> object instead of the program: the status line went out with the first chunk.
/// </summary>
internal static class ChatCompletionStream
{
    /// <summary>Characters of the program per content chunk.</summary>
    private const int Piece = 256;

    public static async Task<IResult> StreamAsync(ChatCompletionJob c, bool includeUsage, GenerationService jobs, TimeSpan heartbeat,
        HttpContext httpContext, CancellationToken cancellationToken)
    {
        var response = httpContext.Response;
        EventStreamResponse.Begin(httpContext);
        await WriteAsync(response, Delta(c, new ChatDelta { Role = "assistant", Content = "" }, null), cancellationToken);

        var rounds = 0;
        var job = await jobs.WaitForEndAsync(c.JobId,
            async e =>
            {
                if (e.Name != GenerationJobRunner.RoundEvent)
                {
                    return;
                }

                rounds++;
                using var round = JsonDocument.Parse(e.Data);
                var clean = round.RootElement.TryGetProperty("ranClean", out var rc) && rc.ValueKind == JsonValueKind.True;
                await response.WriteNowAsync($": evor round {rounds} done{(clean ? ", ran clean" : "")}\n\n", cancellationToken);
            },
            heartbeat,
            () => response.WriteNowAsync(EventStreamResponse.KeepAlive, cancellationToken),
            cancellationToken);

        if (job.Status != GenerationStatus.Succeeded || job.Answer is null)
        {
            var error = job.Error ?? new GenerationError(ProblemTypes.GenerationFailed, "Generation ended", $"The generation ended {job.Status.ToWire()}.");
            var payload = new { error = new { message = error.Detail, type = error.Type, code = job.Status.ToWire() }, evor = ChatCompletionJob.Info(job, rounds) };
            await response.WriteAsync($"data: {JsonSerializer.Serialize(payload, GenerationJson.Options)}\n\n", cancellationToken);
        }
        else
        {
            var code = job.Answer.Code;
            for (var i = 0; i < code.Length; i += Piece)
            {
                await WriteAsync(response, Delta(c, new ChatDelta { Content = code.Substring(i, Math.Min(Piece, code.Length - i)) }, null), cancellationToken);
            }

            await WriteAsync(response, Delta(c, new ChatDelta(), "stop") with { Evor = ChatCompletionJob.Info(job, rounds) }, cancellationToken);
            if (includeUsage)
            {
                await WriteAsync(response, c.Chunk([]) with { Usage = ChatCompletionJob.Usage(job) }, cancellationToken);
            }
        }

        await response.WriteNowAsync("data: [DONE]\n\n", cancellationToken);
        return TypedResults.Empty;
    }

    private static ChatCompletionChunk Delta(ChatCompletionJob c, ChatDelta delta, string? finishReason) =>
        c.Chunk([new ChatChunkChoice(0, delta, finishReason)]);

    private static Task WriteAsync(HttpResponse response, ChatCompletionChunk chunk, CancellationToken cancellationToken) =>
        response.WriteNowAsync($"data: {JsonSerializer.Serialize(chunk, GenerationJson.Options)}\n\n", cancellationToken);
}
