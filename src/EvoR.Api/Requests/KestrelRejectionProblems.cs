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

    /// <summary>Holds back what is written after a flush until it is known not to start a bare rejection (or until the
    /// flush), then forwards it, rewritten where it is one; everything after passes straight through until the next flush.</summary>
    private sealed class RejectionRewritingWriter(PipeWriter inner, string connectionId) : PipeWriter
    {
        private const int MaxHeld = 4096;
        private static readonly byte[] Candidate = "HTTP/1.1 "u8.ToArray();
        private readonly ArrayBufferWriter<byte> _held = new(256);
        private bool _passThrough;

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes + _held.WrittenCount;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _passThrough ? inner.GetMemory(sizeHint) : _held.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _passThrough ? inner.GetSpan(sizeHint) : _held.GetSpan(sizeHint);

        public override void Advance(int bytes)
        {
            if (_passThrough)
            {
                inner.Advance(bytes);
                return;
            }

            _held.Advance(bytes);
            var written = _held.WrittenSpan;
            var prefix = Math.Min(written.Length, Candidate.Length);
            // Not a response head at all (a body, HTTP/2 frames, TLS records), or too long to be a bare rejection.
            if (!written[..prefix].SequenceEqual(Candidate.AsSpan(0, prefix)) || written.Length > MaxHeld)
            {
                Forward(rewrite: false);
            }
        }

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (!_passThrough)
            {
                Forward(rewrite: true);
            }

            var result = await inner.FlushAsync(cancellationToken);
            _passThrough = false;
            return result;
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            if (!_passThrough)
            {
                Forward(rewrite: true);
            }

            inner.Complete(exception);
        }

        public override async ValueTask CompleteAsync(Exception? exception = null)
        {
            if (!_passThrough)
            {
                Forward(rewrite: true);
            }

            await inner.CompleteAsync(exception);
        }

        private void Forward(bool rewrite)
        {
            var written = _held.WrittenSpan;
            var replacement = rewrite && written.Length > 0 ? Rewrite(written, connectionId) : null;
            inner.Write(replacement ?? written);
            _held.ResetWrittenCount();
            _passThrough = true;
        }
    }
}
