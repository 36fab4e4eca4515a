using EvoR.Sandbox.Docker.Fleet;

namespace EvoR.Sandbox.Tests.Fleet;

/// <summary>The fleet's scope-to-engine table: binding, forgetting, and the bound on how many scopes it keeps.</summary>
public sealed class FleetScopeTableTests
{
    private static FleetEngine Engine(string name)
    {
        var backend = new FakeEngineBackend(name);
        return new FleetEngine("unix:///" + name, 1, backend, backend.ProbeAsync, new EngineBreaker(new EngineBreakerOptions(), TimeProvider.System));
    }

    [Fact]
    public void TryGet_BoundThenRemoved_FindsTheEngineThenNone()
    {
        var (a, b) = (Engine("a"), Engine("b"));
        var table = new FleetScopeTable();

        table.Bind("s1", a, 1);
        table.Bind("s1", b, 2);

        Assert.True(table.TryGet("s1", out var bound));
        Assert.Same(b, bound);
        Assert.False(table.TryGet("s2", out _));
        table.Remove("s1");
        Assert.False(table.TryGet("s1", out _));
    }

    [Fact]
    public void Bind_PastMaxScopes_ForgetsTheHalfUsedLongestAgo()
    {
        var a = Engine("a");
        var table = new FleetScopeTable();

        for (var pick = 1; pick <= FleetScopeTable.MaxScopes + 1; pick++)
        {
            table.Bind($"s{pick}", a, pick);
        }

        Assert.Equal(FleetScopeTable.MaxScopes / 2 + 1, table.Count);
        Assert.False(table.TryGet("s1", out _));
        Assert.False(table.TryGet($"s{FleetScopeTable.MaxScopes / 2}", out _));
        Assert.True(table.TryGet($"s{FleetScopeTable.MaxScopes / 2 + 1}", out _));
        Assert.True(table.TryGet($"s{FleetScopeTable.MaxScopes + 1}", out _));
    }
}
