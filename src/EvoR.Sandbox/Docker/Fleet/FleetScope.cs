using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// The affinity key of a run: runs of one trust scope (<see cref="SandboxScope"/>) land on the same engine while it
/// stays in rotation, because the containers a scope reuses live on one engine. Runs without a scope are placed each
/// on its own.
/// </summary>
internal static class FleetScope
{
    public static string? Of(SandboxRunSpec spec) => spec.Scope?.Id;
}
