using System.Text;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// The line a gate writes to stdout and to stderr once the program has exited (<see cref="ContainerSpec.GateScript"/>):
/// <c>evor-gate-end:NONCE:SSS:O</c>, with the container's nonce (on the gate's command line, made when the container
/// was created for this one run; never in the environment), the exit status as three digits and <c>O</c> 0 when the container's memory cgroup counts no OOM kill,
/// 1 when it counts one, 2 when the counter cannot be read (gVisor, say). It comes after everything the program's processes wrote to that
/// stream, so once both streams carried it the run's output is complete, and the result need not wait for the engine's
/// exit handling (the largest part of a trivial run's time).
/// </summary>
/// <remarks>
/// What a forged frame gains a hostile program: nothing. The program shares the gate's uid, so it can read the nonce off
/// the gate's command line (<c>/proc/PPID/cmdline</c>) or out of its memory and write a frame of its choosing at a moment of its choosing; the nonce only
/// keeps ordinary output from being taken for a frame. The service trusts a frame only for what the program could have
/// obtained by exiting with that status at that moment anyway: (1) an exit status of 0–128; anything above may be a death
/// by a signal (an OOM kill is SIGKILL) and goes to the engine (wait, then <c>OOMKilled</c>); (2) only when no OOM kill was
/// counted (a forged "0" equals a program that never spawned the process that ran out of memory); a counted OOM kill
/// (1) is taken as one even where the engine's <c>OOMKilled</c> missed it (it can race the exit under cgroup v1): a forged
/// "1" gains the memory verdict that allocating until the limit would give; (3) only before the
/// service itself ended the run: the wall timer and the output cap are decided in the service, and a frame that arrives
/// after the deadline or after the cap was crossed (output is counted in stream order, and the frame is the last thing
/// read of its stream) is ignored, so a timeout or an output-limit breach is never turned into another verdict. What the
/// program writes after a frame is not kept, and its container is removed (killed) right after, as if it had exited.
/// </remarks>
internal sealed class GateEndFrame
{
    private const string Prefix = "evor-gate-end:";

    /// <summary>Bytes after the nonce and its colon: <c>SSS:O\n</c>.</summary>
    private const int TailLength = 6;

    private readonly byte[] _head;

    public GateEndFrame(string nonce)
    {
        if (nonce.Length == 0 || nonce.Any(c => !char.IsAsciiLetterOrDigit(c)))
        {
            throw new ArgumentException("A nonce is letters and digits only.", nameof(nonce));
        }

        Nonce = nonce;
        _head = Encoding.ASCII.GetBytes(Prefix + nonce + ":");
    }

    /// <summary>A fresh random nonce (122 random bits, 32 hex digits), given to each gated container when it is created.
    /// A random GUID rather than <c>RandomNumberGenerator</c>: on Linux that needs OpenSSL, which the service image does not
    /// carry (the nonce only keeps ordinary output from being taken for a frame; it guards no secret).</summary>
    public static string NewNonce() => Guid.NewGuid().ToString("N");

    public string Nonce { get; }

    /// <summary>The whole frame's length in bytes.</summary>
    public int Length => _head.Length + TailLength;

    /// <summary>The frame as the gate writes it (tests build forged and genuine frames with it).</summary>
    public byte[] Format(int status, bool oomKill, bool counterRead = true) =>
        Encoding.ASCII.GetBytes($"{Prefix}{Nonce}:{status:000}:{(!counterRead ? 2 : oomKill ? 1 : 0)}\n");

    /// <summary>Finds the first well-formed frame in <paramref name="data"/>: its offset and content, or the offset from
    /// which a frame may still begin once more bytes arrive (everything before it is output).</summary>
    public (int Offset, GateEnd? End) Find(ReadOnlySpan<byte> data)
    {
        var from = 0;
        while (true)
        {
            var at = data[from..].IndexOf(_head);
            if (at < 0)
            {
                return (data.Length - PartialHeadAtEnd(data[from..]), null);
            }

            at += from;
            if (data.Length - at < Length)
            {
                return (at, null);
            }

            if (TryParseTail(data.Slice(at + _head.Length, TailLength)) is { } end)
            {
                return (at, end);
            }

            // The nonce followed by something else: output, not a frame.
            from = at + 1;
        }
    }

    /// <summary>How many trailing bytes of <paramref name="data"/> are the beginning of the frame's head.</summary>
    private int PartialHeadAtEnd(ReadOnlySpan<byte> data)
    {
        for (var k = Math.Min(_head.Length - 1, data.Length); k > 0; k--)
        {
            if (data[^k..].SequenceEqual(_head.AsSpan(0, k)))
            {
                return k;
            }
        }

        return 0;
    }

    private static GateEnd? TryParseTail(ReadOnlySpan<byte> tail)
    {
        if (!IsDigit(tail[0]) || !IsDigit(tail[1]) || !IsDigit(tail[2]) || tail[3] != ':' || tail[4] is not ((byte)'0' or (byte)'1' or (byte)'2')
            || tail[5] != '\n')
        {
            return null;
        }

        var status = ((tail[0] - '0') * 100) + ((tail[1] - '0') * 10) + (tail[2] - '0');
        return status > 255 ? null : new GateEnd(status, OomKill: tail[4] != '0', OomCounterRead: tail[4] != '2');

        static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
    }
}

/// <summary>What a gate's end frame says: the program's exit status as its shell saw it (128 + n for a death by signal n)
/// and whether the container's memory cgroup counted an OOM kill (<paramref name="OomKill"/> is also true when the counter
/// could not be read: <paramref name="OomCounterRead"/> false).</summary>
internal sealed record GateEnd(int Status, bool OomKill, bool OomCounterRead = true)
{
    /// <summary>The counter was read and counted an OOM kill: evidence of one, whatever the engine's flag says.</summary>
    public bool OomKillCounted => OomKill && OomCounterRead;

    /// <summary>Whether the result may be taken from the frame alone: an ordinary exit status and no OOM kill. Anything
    /// else (a possible signal, a possible OOM kill) is read from the engine, which is the source of truth.</summary>
    public bool Settles => Status <= 128 && !OomKill;
}

/// <summary>Finds the end frame in one output stream as it arrives, passing everything before it on as output. Bytes that
/// may be the beginning of a frame are held back (fewer than a frame's length) until the next chunk or the end.</summary>
internal sealed class GateEndScanner(GateEndFrame frame, Action<byte[], int, int> output)
{
    private byte[] _pending = [];

    /// <summary>The frame, once found; nothing after it is passed on.</summary>
    public GateEnd? End { get; private set; }

    public void Push(byte[] buffer, int offset, int count)
    {
        if (End is not null || count == 0)
        {
            return;
        }

        byte[] data;
        int start;
        if (_pending.Length == 0)
        {
            (data, start) = (buffer, offset);
        }
        else
        {
            data = new byte[_pending.Length + count];
            _pending.CopyTo(data, 0);
            Buffer.BlockCopy(buffer, offset, data, _pending.Length, count);
            (start, count) = (0, data.Length);
        }

        var (at, end) = frame.Find(data.AsSpan(start, count));
        if (at > 0)
        {
            output(data, start, at);
        }

        End = end;
        _pending = end is null ? data.AsSpan(start + at, count - at).ToArray() : [];
    }

    /// <summary>The stream ended without a frame: what was held back is output after all.</summary>
    public void Flush()
    {
        if (End is null && _pending.Length > 0)
        {
            output(_pending, 0, _pending.Length);
            _pending = [];
        }
    }
}
