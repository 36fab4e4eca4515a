using Microsoft.AspNetCore.Http.Features;

namespace EvoR.Api.Generations;

/// <summary>
/// A response of Server-Sent Events (<c>/v1/generations/{id}/events</c>, a streamed chat completion): unbuffered on
/// the way, so that each event reaches the client when it is written and not when the job ends.
/// </summary>
internal static class EventStreamResponse
{
    /// <summary>An SSE comment that keeps idle connections (and the proxies on their way) open; clients skip it.</summary>
    public const string KeepAlive = ": keep-alive\n\n";

    /// <summary>Sets the headers of an event stream and turns buffering off, in this server and (X-Accel-Buffering) in a proxy.</summary>
    public static void Begin(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>Writes <paramref name="text"/> and flushes it, so that it is sent now.</summary>
    public static async Task WriteNowAsync(this HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.WriteAsync(text, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
