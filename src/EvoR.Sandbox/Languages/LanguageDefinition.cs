namespace EvoR.Sandbox.Languages;

/// <summary>
/// A language is data: where its source goes, how it is compiled (inside the sandbox) and run, how its version is
/// probed, and how its errors read. Built-ins come from the embedded <c>languages.json</c>.
/// </summary>
public sealed record LanguageDefinition
{
    public required string Name { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>File name of the program inside <c>/app</c>.</summary>
    public required string SourceFile { get; init; }

    /// <summary>Compile command, run in the sandbox with cwd <c>/work</c>; null for interpreted languages.</summary>
    public IReadOnlyList<string>? Compile { get; init; }

    /// <summary>Path, inside the sandbox, of what the compile step produces. Required with <see cref="Compile"/>.</summary>
    public string? Artifact { get; init; }

    public required IReadOnlyList<string> Run { get; init; }

    /// <summary>
    /// Optional: a command that does what <see cref="Run"/> does, but can start before the run — it starts the runtime,
    /// waits for one line on stdin (the go line), then runs the program, whose stdin is the rest. Backends that prepare
    /// sandboxes ahead of time start it then, which takes the runtime's start-up off the timed path. Built-ins may name
    /// embedded files as an argument (<c>@embedded:python-warm.py+python-run.py</c>): their texts, one after the other, take
    /// the argument's place.
    /// </summary>
    public IReadOnlyList<string>? WarmRun { get; init; }
    public required IReadOnlyList<string> Version { get; init; }

    /// <summary>A statement (format string, <c>{0}</c> is the nonce) that prints the completion sentinel on its own
    /// line. Null: the language cannot run script tests.</summary>
    public string? Sentinel { get; init; }

    /// <summary>Stderr text that marks a failed test assertion (Failed rather than RuntimeError).</summary>
    public IReadOnlyList<string> AssertionMarkers { get; init; } = [];

    /// <summary>Stderr text that marks the language's own out-of-memory error (used when only rlimits apply).</summary>
    public IReadOnlyList<string> MemoryErrorMarkers { get; init; } = [];

    /// <summary>Extra variables for this language, added to the sandbox allow-list.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Host paths this toolchain needs bound read-only (e.g. its configuration under /etc).</summary>
    public IReadOnlyList<string> HostPaths { get; init; } = [];

    /// <summary>Container image of the Docker backend that holds this toolchain (built from
    /// <c>docker/sandbox/&lt;name&gt;/Dockerfile</c>); <c>Sandbox:Docker:Images</c> overrides it. Null: the language has no
    /// image and cannot run on the Docker backend.</summary>
    public string? Image { get; init; }

    /// <summary>The Debian packages that hold this toolchain: <c>./evor.sh languages add</c> installs them on the host and
    /// <c>docker/build-images.sh</c> into the language's image, both reading them from here.</summary>
    public IReadOnlyList<string> Packages { get; init; } = [];

    /// <summary>The host command that installs this language (process backend) and builds its image (Docker).</summary>
    public string InstallCommand => "./evor.sh languages add " + Name;

    /// <summary>The programs this language runs on the host, found by name on the sandbox's <c>PATH</c>: the first word
    /// of its version, compile and run commands, except shells and the compiled program itself.</summary>
    public IEnumerable<string> Toolchain =>
        new[] { Version, Compile ?? [], Run }
            .Where(c => c.Count > 0 && c[0] != "/bin/sh" && !c[0].StartsWith("/app/", StringComparison.Ordinal))
            .Select(c => c[0])
            .Distinct(StringComparer.Ordinal);

    /// <summary>A program that prints <c>ok</c>: the health check runs it through the whole pipeline.</summary>
    public required string Probe { get; init; }

    public bool IsCompiled => Compile is not null;
}
