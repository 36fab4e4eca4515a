using System.Text;
using EvoR.Sandbox.Docker;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>The gate's end frame as the service reads it out of an output stream (no engine needed).</summary>
public sealed class GateEndFrameTests
{
    private static readonly GateEndFrame Frame = new("0123456789abcdef0123456789abcdef");

    [Fact]
    public void Scanner_FrameSplitAcrossChunks_OutputBeforeItKept_NothingAfterIt()
    {
        var stream = Concat("hello\nno newline at the end"u8.ToArray(), Frame.Format(3, oomKill: false), "written by an orphan"u8.ToArray());
        var (output, end) = ScanInChunks(stream, chunk: 1);

        Assert.Equal("hello\nno newline at the end", output);
        Assert.Equal(new GateEnd(3, OomKill: false), end);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(53)]
    [InlineData(4096)]
    public void Scanner_AnyChunkSize_SameResult(int chunk)
    {
        var stream = Concat(Encoding.ASCII.GetBytes(new string('x', 100)), Frame.Format(137, oomKill: true));
        var (output, end) = ScanInChunks(stream, chunk);

        Assert.Equal(new string('x', 100), output);
        Assert.Equal(new GateEnd(137, OomKill: true), end);
    }

    [Fact]
    public void Scanner_OomCounterUnread_APossibleOomKillNotACountedOne()
    {
        var (_, unread) = ScanInChunks(Frame.Format(137, oomKill: false, counterRead: false), chunk: 9);
        var (_, counted) = ScanInChunks(Frame.Format(137, oomKill: true), chunk: 9);

        // Neither settles on the frame (the engine is asked), but only a counted OOM kill is evidence of one.
        Assert.Equal(new GateEnd(137, OomKill: true, OomCounterRead: false), unread);
        Assert.False(unread!.Settles);
        Assert.False(unread.OomKillCounted);
        Assert.True(counted!.OomKillCounted);
        Assert.False(new GateEnd(0, OomKill: false).OomKillCounted);
    }

    [Fact]
    public void Scanner_AnotherRunsNonce_IsOutput()
    {
        var other = new GateEndFrame("ffffffffffffffffffffffffffffffff").Format(0, oomKill: false);
        var (output, end) = ScanInChunks(Concat("a"u8.ToArray(), other), chunk: 5);

        Assert.Null(end);
        Assert.Equal("a" + Encoding.ASCII.GetString(other), output);
    }

    [Theory]
    [InlineData("0x0:0\n")]
    [InlineData("000:3\n")]
    [InlineData("000:0 ")]
    [InlineData("300:0\n")]
    [InlineData("00:0\n\n")]
    public void Scanner_GarbledTail_IsOutput(string tail)
    {
        var garbled = Encoding.ASCII.GetBytes($"evor-gate-end:{Frame.Nonce}:{tail}");
        var (output, end) = ScanInChunks(Concat(garbled, "more"u8.ToArray()), chunk: 3);

        Assert.Null(end);
        Assert.Equal(Encoding.ASCII.GetString(garbled) + "more", output);
    }

    [Fact]
    public void Scanner_GarbledFrameThenGenuine_FindsTheGenuine()
    {
        var garbled = Encoding.ASCII.GetBytes($"evor-gate-end:{Frame.Nonce}:xyz");
        var (output, end) = ScanInChunks(Concat(garbled, Frame.Format(0, oomKill: false)), chunk: 10);

        Assert.Equal(new GateEnd(0, OomKill: false), end);
        Assert.Equal(Encoding.ASCII.GetString(garbled), output);
    }

    [Fact]
    public void Scanner_HoldsBackOnlyWhatMayBeAFrame_AndGivesItBackAtTheEnd()
    {
        var kept = new MemoryStream();
        var scanner = new GateEndScanner(Frame, (b, o, c) => kept.Write(b, o, c));
        var partial = Frame.Format(0, oomKill: false)[..20];

        scanner.Push([.. "output "u8, .. partial], 0, 7 + partial.Length);
        Assert.Equal("output ", Encoding.ASCII.GetString(kept.ToArray()));

        scanner.Flush();
        Assert.Null(scanner.End);
        Assert.Equal("output " + Encoding.ASCII.GetString(partial), Encoding.ASCII.GetString(kept.ToArray()));
    }

    [Theory]
    [InlineData(0, false, true)]
    [InlineData(1, false, true)]
    [InlineData(128, false, true)]
    [InlineData(129, false, false)]
    [InlineData(137, false, false)]
    [InlineData(0, true, false)]
    public void Settles_OnlyAnOrdinaryExitWithoutOomKill(int status, bool oomKill, bool settles) =>
        Assert.Equal(settles, new GateEnd(status, oomKill).Settles);

    [Fact]
    public void NewNonce_FreshHexPerContainer()
    {
        var a = GateEndFrame.NewNonce();
        Assert.Matches("^[0-9a-f]{32}$", a);
        Assert.NotEqual(a, GateEndFrame.NewNonce());
        Assert.Throws<ArgumentException>(() => new GateEndFrame("bad nonce\n"));
    }

    private static (string Output, GateEnd? End) ScanInChunks(byte[] stream, int chunk)
    {
        var kept = new MemoryStream();
        var scanner = new GateEndScanner(Frame, (b, o, c) => kept.Write(b, o, c));
        for (var i = 0; i < stream.Length; i += chunk)
        {
            // A buffer reused between reads, as the attach reader's is.
            var buffer = new byte[chunk + 3];
            var count = Math.Min(chunk, stream.Length - i);
            Array.Copy(stream, i, buffer, 3, count);
            scanner.Push(buffer, 3, count);
        }

        scanner.Flush();
        return (Encoding.ASCII.GetString(kept.ToArray()), scanner.End);
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
