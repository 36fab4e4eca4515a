using System.Buffers;

namespace EvoR.Sandbox.Process;

/// <summary>
/// Drains a pipe to its end but keeps at most <c>cap</c> bytes, so an output flood costs the service a fixed amount of
/// memory; with an allowance every byte kept is also taken from it (the service-wide output budget), and a byte it does
/// not grant counts as past the cap. Past the cap it calls <c>onOverflow</c> once (the caller kills the run) and keeps draining, so the writer
/// never blocks on a full pipe while it is being killed.
/// </summary>
internal static class CappedReader
{
    public static async Task<(byte[] Bytes, bool Overflowed)> ReadAsync(
        Stream stream, int cap, Backends.IOutputAllowance? allowance, Action onOverflow)
    {
        var kept = new MemoryStream(Math.Min(cap, 64 * 1024));
        var overflowed = false;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                var room = Math.Max(cap - (int)kept.Length, 0);
                var wanted = Math.Min(read, room);
                var granted = overflowed || wanted == 0 ? 0 : allowance?.Take(wanted) ?? wanted;
                if (read > granted)
                {
                    kept.Write(buffer, 0, granted);
                    if (!overflowed)
                    {
                        overflowed = true;
                        onOverflow();
                    }

                    continue;
                }

                kept.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // The pipe broke because the run was killed; what was read is kept.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (kept.ToArray(), overflowed);
    }
}
