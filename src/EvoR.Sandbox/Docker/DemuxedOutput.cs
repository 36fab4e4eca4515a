using System.Buffers;
using Docker.DotNet;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// Reads the multiplexed attach stream into two capped buffers. Past a cap it signals once (the caller kills the run)
/// and keeps draining, so the container never blocks on a full stream while it is being killed. With a gate marker, the
/// first bytes of stdout must be the marker: they are not output, and their arrival (<c>onGateOpened</c>) is
/// the moment the program starts. Stdout that does not begin with it means the gate failed, and is kept as it came.
/// With an end frame (<see cref="GateEndFrame"/>), each stream's frame is taken off it and ends its output; once both
/// streams carried one, <see cref="Ended"/> completes with it while the rest of the stream is drained and dropped.
/// With an allowance, every byte kept is also taken from it (the service-wide output budget); a byte it does not grant
/// counts as past the cap. With <c>stopAtEnd</c> (a container reused within a trust scope) reading stops at the end
/// frames, and the stream is left for what the gate writes next.
/// </summary>
internal sealed class DemuxedOutput
{
    private readonly MemoryStream _stdout = new();
    private readonly MemoryStream _stderr = new();
    private readonly int _stdoutCap;
    private readonly int _stderrCap;
    private readonly Action _onOverflow;
    private readonly byte[]? _gateMarker;
    private readonly Action? _onGateOpened;
    private readonly Backends.IOutputAllowance? _allowance;
    private readonly bool _stopAtEnd;
    private readonly GateEndScanner? _stdoutEnd;
    private readonly GateEndScanner? _stderrEnd;
    private readonly TaskCompletionSource<GateEnd?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _markerMatched;
    private bool _markerFailed;

    public DemuxedOutput(
        int stdoutCap, int stderrCap, Action onOverflow, byte[]? gateMarker = null, Action? onGateOpened = null, GateEndFrame? endFrame = null,
        Backends.IOutputAllowance? allowance = null, bool stopAtEnd = false)
    {
        _allowance = allowance;
        _stopAtEnd = stopAtEnd;
        _stdoutCap = stdoutCap;
        _stderrCap = stderrCap;
        _onOverflow = onOverflow;
        _gateMarker = gateMarker;
        _onGateOpened = onGateOpened;
        if (endFrame is not null)
        {
            _stdoutEnd = new GateEndScanner(endFrame, (b, o, c) => Keep(isStderr: false, b, o, c));
            _stderrEnd = new GateEndScanner(endFrame, (b, o, c) => Keep(isStderr: true, b, o, c));
        }
    }

    public bool Overflowed { get; private set; }

    /// <summary>The whole gate marker came first on stdout.</summary>
    public bool GateOpened => _gateMarker is not null && _markerMatched == _gateMarker.Length;

    /// <summary>Completes once both streams carried the end frame (with it; null when the two disagree), or when the
    /// stream ended or broke without them (null).</summary>
    public Task<GateEnd?> Ended => _ended.Task;

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

                if (_ended.Task.IsCompleted)
                {
                    continue;
                }

                var isStderr = read.Target == MultiplexedStream.TargetStream.StandardError;
                var offset = isStderr ? 0 : SkipMarker(buffer.AsSpan(0, read.Count));
                Take(isStderr, buffer, offset, read.Count - offset);
                if (_stdoutEnd?.End is { } outEnd && _stderrEnd?.End is { } errEnd)
                {
                    _ended.TrySetResult(outEnd == errEnd ? outEnd : null);
                    if (_stopAtEnd)
                    {
                        // The stream lives on (a scope's container): what follows is not this run's to read.
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The stream broke because the run was killed (or ended); what was read is kept.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!_ended.Task.IsCompleted)
            {
                _stdoutEnd?.Flush();
                _stderrEnd?.Flush();
                _ended.TrySetResult(null);
            }
        }
    }

    private void Take(bool isStderr, byte[] buffer, int offset, int count)
    {
        if ((isStderr ? _stderrEnd : _stdoutEnd) is { } scanner)
        {
            scanner.Push(buffer, offset, count);
        }
        else
        {
            Keep(isStderr, buffer, offset, count);
        }
    }

    /// <summary>How many leading bytes of this stdout chunk belong to the marker (it may span chunks).</summary>
    private int SkipMarker(ReadOnlySpan<byte> chunk)
    {
        if (_gateMarker is null || _markerFailed || GateOpened)
        {
            return 0;
        }

        var n = 0;
        while (n < chunk.Length && _markerMatched < _gateMarker.Length)
        {
            if (chunk[n] != _gateMarker[_markerMatched])
            {
                // Not the gate's marker: keep what matched so far as output, it is all someone else's.
                _markerFailed = true;
                Take(isStderr: false, _gateMarker, 0, _markerMatched);
                return 0;
            }

            n++;
            _markerMatched++;
        }

        if (GateOpened)
        {
            _onGateOpened?.Invoke();
        }

        return n;
    }

    private void Keep(bool isStderr, byte[] buffer, int offset, int count)
    {
        var (kept, cap) = isStderr ? (_stderr, _stderrCap) : (_stdout, _stdoutCap);
        var room = Math.Max(cap - (int)kept.Length, 0);
        var wanted = Math.Min(count, room);
        var granted = Overflowed || wanted == 0 ? 0 : _allowance?.Take(wanted) ?? wanted;
        if (count > granted)
        {
            kept.Write(buffer, offset, granted);
            if (!Overflowed)
            {
                Overflowed = true;
                _onOverflow();
            }

            return;
        }

        kept.Write(buffer, offset, count);
    }
}
