using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// The affinity key of a run: runs of one trust scope must land on the same engine, because the containers that a scope
/// may reuse live on one engine. <see cref="SandboxRunSpec"/> names no scope yet, so every run is placed on its own;
/// when it gains one (container reuse within a trust scope), return it here and the fleet keeps the scope's runs on one
/// engine while that engine stays in rotation.
/// </summary>
internal static class FleetScope
{
    public static string? Of(SandboxRunSpec spec) => null;
}
