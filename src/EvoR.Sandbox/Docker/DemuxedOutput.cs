using System.Buffers;
using Docker.DotNet;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// Reads the multiplexed attach stream into two capped buffers. Past a cap it signals once (the caller kills the run)
/// and keeps draining, so the container never blocks on a full stream while it is being killed. With a gate marker, the
/// first bytes of stdout must be the marker: they are not output, and their arrival (<paramref name="onGateOpened"/>) is
/// the moment the program starts. Stdout that does not begin with it means the gate failed, and is kept as it came.
/// </summary>
internal sealed class DemuxedOutput(int stdoutCap, int stderrCap, Action onOverflow, byte[]? gateMarker = null, Action? onGateOpened = null)
{
    private readonly MemoryStream _stdout = new();
    private readonly MemoryStream _stderr = new();
    private int _markerMatched;
    private bool _markerFailed;

    public bool Overflowed { get; private set; }

    /// <summary>The whole gate marker came first on stdout.</summary>
    public bool GateOpened => gateMarker is not null && _markerMatched == gateMarker.Length;

    public byte[] Stdout => _stdout.ToArray();
    public byte[] Stderr => _stderr.ToArray();

    public async Task ReadAsync(MultiplexedStream stream)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, CancellationToken.None);
                if (read.EOF)
                {
                    break;
                }

                var isStderr = read.Target == MultiplexedStream.TargetStream.StandardError;
                var offset = isStderr ? 0 : SkipMarker(buffer.AsSpan(0, read.Count));
                Keep(isStderr, buffer, offset, read.Count - offset);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The stream broke because the run was killed; what was read is kept.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>How many leading bytes of this stdout chunk belong to the marker (it may span chunks).</summary>
    private int SkipMarker(ReadOnlySpan<byte> chunk)
    {
        if (gateMarker is null || _markerFailed || GateOpened)
        {
            return 0;
        }

        var n = 0;
        while (n < chunk.Length && _markerMatched < gateMarker.Length)
        {
            if (chunk[n] != gateMarker[_markerMatched])
            {
                // Not the gate's marker: keep what matched so far as output, it is all someone else's.
                _markerFailed = true;
                _stdout.Write(gateMarker, 0, _markerMatched);
                return 0;
            }

            n++;
            _markerMatched++;
        }

        if (GateOpened)
        {
            onGateOpened?.Invoke();
        }

        return n;
    }

    private void Keep(bool isStderr, byte[] buffer, int offset, int count)
    {
        var (kept, cap) = isStderr ? (_stderr, stderrCap) : (_stdout, stdoutCap);
        var room = cap - (int)kept.Length;
        if (count > room)
        {
            kept.Write(buffer, offset, Math.Max(room, 0));
            if (!Overflowed)
            {
                Overflowed = true;
                onOverflow();
            }

            return;
        }

        kept.Write(buffer, offset, count);
    }
}
