namespace EvoR.Sandbox.Backends;

/// <summary>
/// One isolated run of one command. Backends (process, docker) implement only this; compile steps, tests, verdicts
/// and the pool live above it in CodeExecutor, so every backend gives the same verdicts.
/// </summary>
public interface ISandboxBackend
{
    string Name { get; }

    /// <summary>Whether memory and process limits are enforced by cgroups on this host.</summary>
    bool CgroupLimits { get; }

    /// <summary>Runs <see cref="SandboxRunSpec.Command"/> in a fresh sandbox. Never throws for the program's
    /// behaviour; a failure to set the sandbox up is reported in <see cref="SandboxRun.SetupError"/>.</summary>
    Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken);

    /// <summary>Ends a trust scope (<see cref="SandboxRunSpec.Scope"/>): whatever the backend keeps for its runs is
    /// removed, and a run of it that is still under way gives its sandbox up when it ends. A backend that starts a fresh
    /// sandbox for every run anyway (the process backend) has nothing to do.</summary>
    ValueTask EndScopeAsync(SandboxScope scope) => ValueTask.CompletedTask;
}

/// <summary>
/// One trust scope: runs that belong to one principal's one piece of work (one generation job, one benchmark sample,
/// one batch request), never to two API keys or jobs. A backend may reuse a sandbox for several runs of one scope, but
/// only after it has verified the sandbox clean between them (no process, file or IPC object of the previous run left),
/// and never for runs of another scope. Identity only: compared by reference, ended by <see cref="ISandboxBackend.EndScopeAsync"/>.
/// </summary>
public sealed class SandboxScope
{
    /// <summary>For logs and labels only; identity is the object.</summary>
    public string Id { get; } = Guid.NewGuid().ToString("N");

    public override string ToString() => Id;
}

/// <summary>Grants bytes of captured output from a shared budget. Called from both streams' readers at once.</summary>
public interface IOutputAllowance
{
    /// <summary>Takes up to <paramref name="bytes"/> bytes; returns how many were granted (0 to <paramref name="bytes"/>).</summary>
    int Take(int bytes);
}

/// <summary>A file placed read-only at <c>/app/{Name}</c> in the sandbox.</summary>
public sealed record SandboxFile(string Name, byte[] Content, bool Executable = false);

/// <summary>A service-configured library folder, bound read-only at <see cref="SandboxPath"/> (never writable).</summary>
public sealed record SandboxLibrary(string Name, string HostPath)
{
    public string SandboxPath => Execution.NamedLibraries.MountRoot + "/" + Name;
}

/// <summary>What to run, with which files and limits.</summary>
public sealed record SandboxRunSpec
{
    /// <summary>argv; <c>[0]</c> is looked up on the sandbox PATH.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Optional: a command equivalent to <see cref="Command"/> that may start before the run and waits for one
    /// line on stdin before it runs the program (<see cref="Languages.LanguageDefinition.WarmRun"/>). A backend that
    /// starts sandboxes ahead of time may use it; others ignore it.</summary>
    public IReadOnlyList<string>? WarmCommand { get; init; }

    public IReadOnlyList<SandboxFile> Files { get; init; } = [];

    /// <summary>Bytes written to the program's stdin, which is then closed. Null: EOF at once.</summary>
    public byte[]? Stdin { get; init; }

    public required ExecutionLimits Limits { get; init; }

    /// <summary>Cap on captured stdout when it differs from <see cref="ExecutionLimits.OutputBytes"/> (compile steps
    /// send the artifact over stdout).</summary>
    public int? StdoutCapBytes { get; init; }

    /// <summary>The service-wide output budget this run's captured output is taken from, chunk by chunk, on top of
    /// its caps (<see cref="Execution.OutputBudget"/>); output it does not grant overflows like output past a cap.
    /// Null: only the caps bound it.</summary>
    public IOutputAllowance? OutputAllowance { get; init; }

    /// <summary>Variables the program sees (already the allow-list).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Host paths bound read-only at the same path.</summary>
    public IReadOnlyList<string> HostPaths { get; init; } = [];

    /// <summary>Library folders bound read-only at <c>/libraries/NAME</c>.</summary>
    public IReadOnlyList<SandboxLibrary> Libraries { get; init; } = [];

    /// <summary>The trust scope this run belongs to; null: a run of its own, in a sandbox nothing else ever used.</summary>
    public SandboxScope? Scope { get; init; }
}

/// <summary>The raw facts of one run; VerdictClassifier turns them into a verdict.</summary>
public sealed record SandboxRun
{
    public int? ExitCode { get; init; }

    /// <summary>Signal that ended the program, when the backend can tell.</summary>
    public int? Signal { get; init; }

    public bool TimedOut { get; init; }
    public bool OutputLimitExceeded { get; init; }
    public bool OomKilled { get; init; }
    public byte[] Stdout { get; init; } = [];
    public byte[] Stderr { get; init; } = [];
    public bool Truncated { get; init; }
    public long DurationMs { get; init; }

    /// <summary>Set when the sandbox itself failed (our fault); the program may not have run at all.</summary>
    public string? SetupError { get; init; }

    /// <summary>Whose part failed, when <see cref="SetupError"/> is set.</summary>
    public SandboxFault Fault { get; init; }
}

/// <summary>
/// Which part of the sandbox a <see cref="SandboxRun.SetupError"/> came from. It decides what helps: an engine fault may
/// pass on another engine or on the same one a moment later (a fleet takes the engine out of rotation, REST answers
/// 503 with Retry-After); an installation fault gives the same answer everywhere until someone installs what is missing.
/// </summary>
public enum SandboxFault
{
    /// <summary>The engine or host: unreachable, refused, timed out, a container or gate that did not start or settle.</summary>
    Engine,

    /// <summary>The installation: a language without an image, an image never built, a command no language runs.</summary>
    Installation,
}
