namespace EvoR.Sandbox;

/// <summary>What a language runs as, and whether this host can run it now.</summary>
public sealed record LanguageInfo
{
    public required string Name { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
    public required bool Compiled { get; init; }

    /// <summary>First line the version probe printed inside the sandbox; null when the probe failed.</summary>
    public string? Version { get; init; }

    public required bool Available { get; init; }

    /// <summary>Why the language is not available (e.g. not installed, and the command that installs it); null when it is.</summary>
    public string? UnavailableReason { get; init; }

    /// <summary>The Debian packages of its toolchain.</summary>
    public IReadOnlyList<string> Packages { get; init; } = [];

    /// <summary>Whether HumanEval-style script tests are supported (the language can print the completion sentinel).</summary>
    public required bool SupportsScriptTests { get; init; }
}

/// <summary>Health of the sandbox: the backend works and which languages it found.</summary>
public sealed record SandboxHealthReport
{
    public required string Backend { get; init; }
    public required bool Healthy { get; init; }
    public string? Message { get; init; }

    /// <summary>Whether memory and process limits are enforced by cgroups (else by rlimits only).</summary>
    public bool CgroupLimits { get; init; }

    public IReadOnlyList<LanguageInfo> Languages { get; init; } = [];

    /// <summary>The Docker backend's engines and their breakers, as they stand when asked; null on the process backend.</summary>
    public IReadOnlyList<EngineHealth>? Engines { get; init; }
}

/// <summary>Probes the sandbox backend and its languages.</summary>
public interface ISandboxHealthProbe
{
    /// <summary>Runs (or returns a recent cached) probe: a trivial program inside the sandbox per language.</summary>
    Task<SandboxHealthReport> CheckAsync(CancellationToken cancellationToken = default);
}
