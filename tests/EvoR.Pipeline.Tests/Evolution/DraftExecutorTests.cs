using EvoR.Pipeline.Evolution;

namespace EvoR.Pipeline.Tests.Evolution;

public sealed class DraftExecutorTests
{
    [Theory]
    [InlineData("<__main__.Bucket object at 0x7f3a2c1b9d90>", "<__main__.Bucket object at 0x?>")]
    [InlineData("<function f at 0x10a3f0e50> and <built-in method get of dict object at 0x7f00deadbeef>",
        "<function f at 0x?> and <built-in method get of dict object at 0x?>")]
    [InlineData("print(hex(255)) -> 0xff; flags 0x7f3a2c1b", "print(hex(255)) -> 0xff; flags 0x7f3a2c1b")]
    [InlineData("looked at 0xff", "looked at 0xff")]
    public void MaskAddresses_ObjectRepresentations_MasksOnlyTheirAddresses(string output, string expected) =>
        Assert.Equal(expected, DraftExecutor.MaskAddresses(output));
}
