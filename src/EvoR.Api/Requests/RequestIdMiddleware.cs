namespace EvoR.Api.Requests;

/// <summary>
/// Gives every request an id: the caller's <c>X-Request-Id</c> when it is sane, else the server's own. The id becomes
/// <see cref="HttpContext.TraceIdentifier"/>, is echoed in the response header, opens a logging scope (so every log
/// line of the request carries <c>RequestId</c>) and is added to every problem detail as <c>requestId</c>.
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "X-Request-Id";
    private const int MaxLength = 128;

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        if (IsAcceptable(incoming))
        {
            context.TraceIdentifier = incoming;
        }

        var requestId = context.TraceIdentifier;
        // Set when the response starts: the exception handler clears headers set earlier.
        context.Response.OnStarting(static state =>
        {
            var (response, id) = ((HttpResponse, string))state;
            response.Headers[HeaderName] = id;
            return Task.CompletedTask;
        }, (context.Response, requestId));
        using (logger.BeginScope(new RequestIdScope(requestId)))
        {
            await next(context);
        }
    }

    /// <summary>1–128 visible ASCII characters: anything else (control characters, a list of values) is replaced, so
    /// a client cannot forge log lines through it.</summary>
    internal static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= MaxLength && value.All(c => c is > ' ' and <= '~');
}

/// <summary>The logging scope of a request: one <c>RequestId</c> property, printed as <c>RequestId:&lt;id&gt;</c>.</summary>
internal sealed class RequestIdScope(string requestId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public KeyValuePair<string, object?> this[int index] =>
        index == 0 ? new("RequestId", requestId) : throw new ArgumentOutOfRangeException(nameof(index));

    public int Count => 1;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"RequestId:{requestId}";
}
