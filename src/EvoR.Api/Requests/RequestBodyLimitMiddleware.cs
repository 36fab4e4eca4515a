using EvoR.Api.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Requests;

/// <summary>
/// Refuses a body over <see cref="RequestOptions.MaxBodyBytes"/>: at once when <c>Content-Length</c> says so, else
/// (chunked bodies) through the server's body-size limit, which fails the read with 413.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<RequestOptions> options)
{
    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;

    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problemDetails)
    {
        if (context.Request.ContentLength > _maxBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problemDetails.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Type = ProblemTypes.PayloadTooLarge,
                    Title = "Payload too large",
                    Detail = $"The request body has {context.Request.ContentLength} bytes; this service accepts at most " +
                             $"{_maxBodyBytes} (setting Requests:MaxBodyBytes).",
                },
            });
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = _maxBodyBytes;
        }

        await next(context);
    }
}
