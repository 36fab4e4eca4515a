using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations;

/// <summary>
/// <c>GET /v1/generations/{id}/events</c>: the job's stored events as Server-Sent Events, replayed from the first or
/// resumed after <c>Last-Event-ID</c>, then live until the <c>end</c> event, with keep-alive comments while the job is quiet.
/// </summary>
internal static class GenerationEventStream
{
    /// <summary>How long a client waits before reconnecting, sent first (<c>retry</c>).</summary>
    private const string Retry = "retry: 2000\n\n";

    internal static async Task<IResult> StreamEventsAsync(
        string id,
        [FromQuery] string? lastEventId,
        [FromServices] GenerationService jobs,
        [FromServices] IOptions<GenerationOptions> options,
        [FromServices] TimeProvider time,
        HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        var resumeFrom = httpContext.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? lastEventId;
        long after = 0;
        if (!string.IsNullOrWhiteSpace(resumeFrom)
            && (!long.TryParse(resumeFrom.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out after) || after < 0))
        {
            return GenerationProblems.InvalidLastEventId(resumeFrom);
        }

        var owner = GenerationOwner.Of(httpContext);
        if (await jobs.GetAsync(id, owner, cancellationToken) is null)
        {
            return GenerationProblems.NotFound(id);
        }

        var response = httpContext.Response;
        EventStreamResponse.Begin(httpContext);
        await response.WriteNowAsync(Retry, cancellationToken);

        var heartbeat = TimeSpan.FromSeconds(options.Value.EventStreamHeartbeatSeconds);
        try
        {
            while (true)
            {
                // Take the signal before reading, so that an event stored in between still wakes this stream. A job's
                // final status and its end event are stored together: once it has ended, every event is there to read.
                var changed = jobs.Hub.NextChange(id);
                var ended = (await jobs.GetAsync(id, owner, cancellationToken))?.Status.IsTerminal() ?? true;
                foreach (var e in await jobs.GetEventsAsync(id, after, cancellationToken))
                {
                    var data = e.Name == GenerationJobRunner.RoundEvent ? GenerationPrompts.Streamed(e.Data) : e.Data;
                    await response.WriteAsync($"id: {e.Sequence.ToString(CultureInfo.InvariantCulture)}\nevent: {e.Name}\ndata: {data}\n\n", cancellationToken);
                    after = e.Sequence;
                    if (e.Name == GenerationJobRunner.EndEvent)
                    {
                        await response.Body.FlushAsync(cancellationToken);
                        return TypedResults.Empty;
                    }
                }

                await response.Body.FlushAsync(cancellationToken);
                if (ended)
                {
                    // Resumed after the end event: nothing more will come.
                    return TypedResults.Empty;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var beat = Task.Delay(heartbeat, time, wait.Token);
                if (await Task.WhenAny(changed, beat) == beat)
                {
                    await response.WriteAsync(EventStreamResponse.KeepAlive, cancellationToken);
                }

                await wait.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
            return TypedResults.Empty;
        }
    }
}
