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
        context.Response.Headers[HeaderName] = requestId;
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId }))
        {
            await next(context);
        }
    }

    /// <summary>1–128 visible ASCII characters: anything else (control characters, a list of values) is replaced, so
    /// a client cannot forge log lines through it.</summary>
    internal static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= MaxLength && value.All(c => c is > ' ' and <= '~');
}
