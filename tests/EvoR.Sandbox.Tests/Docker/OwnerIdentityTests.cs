using EvoR.Sandbox.Docker;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>How a service finds the container it runs in, and which owners count as dead (no engine needed).</summary>
public sealed class OwnerIdentityTests
{
    private const string Id = "3f1c0d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c";

    [Fact]
    public void ContainerIdIn_DockerMountinfo_FindsTheHostnameBind()
    {
        var mountinfo = $"""
            612 540 0:55 / / ro,relatime master:300 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC
            618 612 0:59 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
            640 612 253:1 /var/lib/docker/containers/{Id}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw
            641 612 253:1 /var/lib/docker/containers/{Id}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw
            """;
        Assert.Equal(Id, OwnerIdentity.ContainerIdIn(mountinfo));
    }

    [Theory]
    [InlineData("25 1 0:23 / / rw,relatime - ext4 /dev/vda1 rw\n26 25 0:5 / /proc rw - proc proc rw")]
    [InlineData("640 612 253:1 /var/lib/docker/containers/" + Id + "/hostname /srv/copied-hostname rw - ext4 /dev/vda1 rw")]
    public void ContainerIdIn_NotAContainersOwnFiles_Null(string mountinfo) => Assert.Null(OwnerIdentity.ContainerIdIn(mountinfo));

    public static TheoryData<string, string, string?, bool?, bool> OwnerCases => new()
    {
        // owner label, its start label, the engine's state of the owner (null: unknown; true: running, same start), dead?
        { Id, "t1", null, null, true },
        { Id, "t1", "t1", false, true },
        { Id, "t1", "t2", true, true },
        { Id, "t1", "t1", true, false },
    };

    [Theory]
    [MemberData(nameof(OwnerCases))]
    public async Task IsDeadOwnerAsync_OwnerContainer_DeadUnlessRunningAsItStarted(string owner, string start, string? engineStart, bool? running, bool dead)
    {
        var labels = new Dictionary<string, string>
        {
            [DockerEngine.HostLabel] = "another-host",
            [DockerEngine.PidNamespaceLabel] = "pid:[1]",
            [DockerEngine.PidLabel] = "1",
            [DockerEngine.OwnerContainerLabel] = owner,
            [DockerEngine.OwnerContainerStartLabel] = start,
        };
        var answer = await OwnerIdentity.IsDeadOwnerAsync(labels, ownContainer: null,
            _ => Task.FromResult<(bool, string)?>(running is null ? null : (running.Value, engineStart!)));
        Assert.Equal(dead, answer);
    }

    [Fact]
    public async Task IsDeadOwnerAsync_OurOwnContainerThisStart_FallsBackToThePidCheck()
    {
        // Our own container as it runs now, and our own live pid: alive, and the engine is not even asked.
        var labels = new Dictionary<string, string>
        {
            [DockerEngine.HostLabel] = Environment.MachineName,
            [DockerEngine.PidNamespaceLabel] = OwnerIdentity.PidNamespace(),
            [DockerEngine.PidLabel] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [DockerEngine.StartLabel] = OwnerIdentity.StartTime(Environment.ProcessId)!,
            [DockerEngine.OwnerContainerLabel] = Id,
            [DockerEngine.OwnerContainerStartLabel] = "t1",
        };
        Assert.False(await OwnerIdentity.IsDeadOwnerAsync(labels, (Id, "t1"),
            _ => throw new InvalidOperationException("the engine was asked about our own container")));
    }
}
