using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EvoR.Api.Problems;

namespace EvoR.Api.Requests;

/// <summary>
/// Kestrel refuses some requests itself, before any middleware runs (a NUL or another invalid character in the path,
/// a request line over <c>Limits.MaxRequestLineSize</c> (8 KB), headers over their limit, a malformed request line), and
/// answers them with a bare status and no body. This connection middleware gives those answers a problem-details body
/// like every other error of the API. It watches only the first bytes Kestrel writes after each flush, where a response
/// starts: Kestrel's own rejection is always <c>HTTP/1.1 NNN Reason</c>, <c>Content-Length: 0</c>,
/// <c>Connection: close</c>, in that order, and nothing else of this API's is (its error responses carry a body).
/// HTTP/1.1 in clear text only: TLS and HTTP/2 bytes pass through untouched.
/// </summary>
public static partial class KestrelRejectionProblems
{
    /// <summary>Adds the middleware to every endpoint Kestrel opens.</summary>
    public static IWebHostBuilder UseKestrelRejectionProblems(this IWebHostBuilder builder) =>
        builder.ConfigureKestrel(options => options.ConfigureEndpointDefaults(listen => listen.Use(next => context =>
        {
            var transport = context.Transport;
            context.Transport = new RewritingDuplexPipe(transport.Input, new RejectionRewritingWriter(transport.Output, context.ConnectionId));
            return next(context);
        })));

    /// <summary>The response to send instead of Kestrel's bare rejection <paramref name="head"/>; null when the head is
    /// not such a rejection.</summary>
    internal static byte[]? Rewrite(ReadOnlySpan<byte> head, string connectionId)
    {
        var text = Encoding.ASCII.GetString(head);
        if (BareRejection().Match(text) is not { Success: true } match)
        {
            return null;
        }

        var status = int.Parse(match.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var (type, title, detail) = status switch
        {
            StatusCodes.Status414UriTooLong => (ProblemTypes.UriTooLong, "URI too long",
                "The request line (method, URL and version) is longer than this service accepts (8192 bytes)."),
            StatusCodes.Status431RequestHeaderFieldsTooLarge => (ProblemTypes.RequestHeadersTooLarge, "Request headers too large",
                "The request headers are larger than this service accepts."),
            StatusCodes.Status400BadRequest => (ProblemTypes.BadRequest, "Bad request",
                "The request line or headers could not be read: a URL with a NUL or another control character, a " +
                "malformed request line or an invalid header."),
            _ => (ProblemTypes.ForStatus(status), match.Groups["reason"].Value,
                $"The server refused the request before reading it ({status} {match.Groups["reason"].Value})."),
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["type"] = type,
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            [ProblemDetailsExtensions.RequestIdMember] = connectionId,
        });
        var rest = text[match.Length..]; // Date, Server and the blank line that ends the head
        var rewritten = new StringBuilder()
            .Append(match.Groups["line"].Value).Append("\r\n")
            .Append("Content-Type: application/problem+json\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n")
            .Append("Connection: close\r\n")
            .Append(Requests.RequestIdMiddleware.HeaderName).Append(": ").Append(connectionId).Append("\r\n")
            .Append(rest);
        return [.. Encoding.ASCII.GetBytes(rewritten.ToString()), .. body];
    }

    [GeneratedRegex(@"\A(?<line>HTTP/1\.[01] (?<status>[45]\d\d) (?<reason>[^\r\n]*))\r\nContent-Length: 0\r\nConnection: close\r\n(?=(?:[A-Za-z-]+: [^\r\n]*\r\n)*\r\n\z)",
        RegexOptions.CultureInvariant)]
    private static partial Regex BareRejection();

    private sealed class RewritingDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>Looks at the first bytes advanced after each flush, where a response starts, in the memory the inner
    /// writer handed out (nothing is held or copied on the way: Kestrel's own use of the memory it gets — chunk
    /// prefixes written back, sizes — stays as it is); only a complete bare rejection there is replaced, in place.</summary>
    private sealed class RejectionRewritingWriter(PipeWriter inner, string connectionId) : PipeWriter
    {
        private static readonly byte[] Candidate = "HTTP/1.1 "u8.ToArray();
        private Memory<byte> _lastMemory;
        private bool _atResponseStart = true;

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _lastMemory = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => (_lastMemory = inner.GetMemory(sizeHint)).Span;

        public override void Advance(int bytes)
        {
            if (_atResponseStart && bytes > 0)
            {
                _atResponseStart = false;
                var written = _lastMemory.Span[..bytes];
                // Rewrite returns a new array, so writing it over the not yet advanced bytes it was read from is safe.
                if (written.StartsWith(Candidate) && Rewrite(written, connectionId) is { } replacement)
                {
                    inner.Write(replacement);
                    return;
                }
            }

            inner.Advance(bytes);
        }

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var result = await inner.FlushAsync(cancellationToken);
            _atResponseStart = true;
            return result;
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}
