using System.ComponentModel.DataAnnotations;

namespace EvoR.Sandbox.Docker;

/// <summary>Configuration section <c>Sandbox:Docker</c>: the Docker backend (<c>Sandbox:Backend=docker</c>).</summary>
public sealed class DockerSandboxOptions
{
    /// <summary>The engine's endpoint (<c>unix:///path</c>). Default null: <c>DOCKER_HOST</c> when set, else
    /// <c>unix:///var/run/docker.sock</c>. Whoever can write to it is root on the host: see the security model in src/EvoR.Sandbox/README.md.</summary>
    public string? Endpoint { get; set; }

    /// <summary>OCI runtime of the sandbox containers, e.g. <c>runsc</c> (gVisor, registered with dockerd under that
    /// name). Default null: the engine's default (runc).</summary>
    [RegularExpression("^[A-Za-z0-9._-]+$")]
    public string? Runtime { get; set; }

    /// <summary>Image per language name, overriding the <c>image</c> of languages.json (e.g. a registry copy).</summary>
    public Dictionary<string, string> Images { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>User (uid:gid) the program runs as inside the container. Default <c>65534:65534</c> (nobody); root is refused.</summary>
    [Required, RegularExpression("^[1-9][0-9]*(:[1-9][0-9]*)?$")]
    public string User { get; set; } = "65534:65534";

    /// <summary>Containers kept ready per image and limits profile (started and gated, or created: see
    /// <see cref="PoolStarted"/>), so a run does not pay for creation; a used container is never reused (outside a trust
    /// scope: <see cref="ReuseInScope"/>). Default 2,
    /// range 0–16 (0 turns the pool off).</summary>
    [Range(0, 16)]
    public int PoolSize { get; set; } = 2;

    /// <summary>Keep pooled containers started, each blocked in a gate (<see cref="ContainerSpec.GateScript"/>: it reads
    /// the run's files from stdin into <c>/app</c>, then <c>exec</c>s the run's command), so a run pays neither creation,
    /// start nor the archive API. Nothing of a run exists in the container before it is taken, and a container still runs
    /// once. Runs the gate cannot take (<see cref="ContainerSpec.Gates"/>) get a created container as with false.
    /// Default true; false keeps them created-but-not-started (each run pays the archive upload and the start).
    /// Ignored under gVisor (<c>Runtime=runsc</c>): its file system assumes that nothing changes a mount from outside
    /// once the sandbox runs (files put in after start are not seen), and each started sandbox costs a user-space kernel.</summary>
    public bool PoolStarted { get; set; } = true;

    /// <summary>Python programs (<c>python3 /app/NAME.py</c>) behind the Python gate (<see cref="Docker.PythonGate"/>): the
    /// interpreter starts with the pooled container and forks the program once its files are in place, so a run does not
    /// pay Python's start-up. Default true; false puts them behind the shell gate, which starts the interpreter for the
    /// run. Only where started containers are pooled (<see cref="PoolStarted"/>).</summary>
    public bool PythonGate { get; set; } = true;

    /// <summary>Whether pooled containers are started and gated (see <see cref="PoolStarted"/>).</summary>
    internal bool UsesGate => PoolStarted && !string.Equals(Runtime, "runsc", StringComparison.Ordinal);

    /// <summary>A profile unused for this long loses its ready containers. Default 300 s, range 10–86400.</summary>
    [Range(10, 86_400)]
    public int PoolIdleSeconds { get; set; } = 300;

    /// <summary>Most distinct profiles (image, command, limits) kept ready at once. Default 8, range 1–256.</summary>
    [Range(1, 256)]
    public int PoolMaxProfiles { get; set; } = 8;

    /// <summary>Retries of an engine call that failed transiently (connection reset, 5xx). Never a started program.
    /// Default 3, range 0–10.</summary>
    [Range(0, 10)]
    public int EngineRetries { get; set; } = 3;

    /// <summary>Timeout of one engine call other than the wait for the program, in seconds. Default 30, range 1–600.</summary>
    [Range(1, 600)]
    public int EngineTimeoutSeconds { get; set; } = 30;

    /// <summary>Reuse a container for the runs of one trust scope (one generation job, benchmark sample or batch request:
    /// <see cref="Backends.SandboxScope"/>), verified clean by its gate between runs (every process killed, every writable
    /// folder emptied, System V IPC removed; see <c>Docker/Scopes/ScopeGate.cs</c>), never across scopes. Runs without a
    /// scope always get a fresh container. Default true; false gives every run a fresh container.</summary>
    public bool ReuseInScope { get; set; } = true;

    /// <summary>A scope's container idle this long is removed, even if its scope never ends. Default 60 s, range 5–3600.</summary>
    [Range(5, 3600)]
    public int ScopeIdleSeconds { get; set; } = 60;

    /// <summary>Remove containers left behind by a crashed instance of this service (same host, owner process gone)
    /// when the backend starts. Default true.</summary>
    public bool ReapLeftovers { get; set; } = true;

    /// <summary>TLS client certificate of <see cref="Endpoint"/> when it is <c>tcp://host:2376</c> (PEM files: CA, cert,
    /// key, as <c>docker --tlsverify</c> takes them). Default null: no TLS (a unix socket).</summary>
    public Fleet.DockerEngineTlsOptions? Tls { get; set; }

    /// <summary>A fleet of engines (<c>Sandbox:Docker:Engines:0:Endpoint</c>…), each with its own pool and capacity;
    /// a run goes to the engine with the most free capacity, and an engine that fails is taken out of rotation until a
    /// probe lets it back (<see cref="Breaker"/>). Default empty: the one engine of <see cref="Endpoint"/> (or
    /// <c>DOCKER_HOST</c>) is a fleet of one, which runs exactly as without a fleet. Every other setting of this section
    /// applies to each engine.</summary>
    public List<Fleet.DockerEngineOptions> Engines { get; set; } = [];

    /// <summary>When an engine of <see cref="Engines"/> is taken out of rotation and probed back in.</summary>
    [Required]
    public Fleet.EngineBreakerOptions Breaker { get; set; } = new();

    /// <summary>These settings for one engine of the fleet: its endpoint, TLS and pool size; no fleet of its own.</summary>
    internal DockerSandboxOptions ForEngine(Fleet.DockerEngineOptions engine)
    {
        var copy = (DockerSandboxOptions)MemberwiseClone();
        copy.Endpoint = engine.Endpoint;
        copy.Tls = engine.Tls;
        copy.PoolSize = engine.PoolSize ?? PoolSize;
        copy.Engines = [];
        return copy;
    }
}
