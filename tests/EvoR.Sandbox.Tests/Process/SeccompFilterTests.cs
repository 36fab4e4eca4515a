using System.Buffers.Binary;
using EvoR.Sandbox.Process;

namespace EvoR.Sandbox.Tests.Process;

public sealed class SeccompFilterTests
{
    [Fact]
    public void BuildX8664_EveryJumpLandsOnTheDenyReturn()
    {
        var bytes = SeccompFilter.BuildX8664();
        Assert.Equal(0, bytes.Length % 8);
        var count = bytes.Length / 8;
        // Four loads/checks, the x32 guard, one comparison per denied call, allow, deny.
        Assert.Equal(4 + 1 + SeccompFilter.DeniedX8664.Count + 2, count);

        var deny = count - 1;
        Assert.Equal(0x00050001u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(deny * 8 + 4)));
        Assert.Equal(0x7FFF0000u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((deny - 1) * 8 + 4)));
        var denied = new HashSet<uint>();
        for (var i = 4; i < deny - 1; i++)
        {
            var slot = bytes.AsSpan(i * 8, 8);
            Assert.Equal(deny, i + 1 + slot[2]);
            Assert.Equal(0, slot[3]);
            denied.Add(BinaryPrimitives.ReadUInt32LittleEndian(slot[4..]));
        }

        Assert.Contains(101u, denied); // ptrace
        Assert.Contains(272u, denied); // unshare
        Assert.Contains(165u, denied); // mount
        Assert.DoesNotContain(57u, denied); // fork stays allowed
    }
}
