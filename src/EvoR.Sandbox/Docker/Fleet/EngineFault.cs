using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// Which failed runs count against an engine. A program's own failure never does (it is a verdict, not a
/// <see cref="SandboxRun.SetupError"/>). A set-up error does (engine unreachable, a refused or timed-out call, a
/// container that did not start or whose gate failed), except those that every engine would give the same way: a
/// language without an image, a command no language runs, an image that was never built. Counting those would take the
/// whole fleet out of rotation for one missing language.
/// </summary>
internal static class EngineFault
{
    // The sentences DockerImageResolver and DockerEngine.Describe give for these cases.
    private static readonly string[] NotTheEngine =
    [
        "has no Docker image",
        "cannot tell which language image",
        "is missing: build it with",
    ];

    /// <summary>The engine fault a run reports, or null when the engine did its part.</summary>
    public static string? Of(SandboxRun run) =>
        run.SetupError is { } error && !NotTheEngine.Any(s => error.Contains(s, StringComparison.Ordinal)) ? error : null;
}
