using System.ComponentModel.DataAnnotations;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>One entry of <c>Sandbox:Docker:Engines</c>: a Docker engine of the fleet.</summary>
public sealed class DockerEngineOptions
{
    /// <summary>The engine: <c>unix:///path/docker.sock</c> or <c>tcp://host:2376</c> (with <see cref="Tls"/>). Required.</summary>
    [Required, RegularExpression("^(unix|tcp)://.+$")]
    public string Endpoint { get; set; } = "";

    /// <summary>Most runs this engine takes at once; a run waits for a free slot somewhere in the fleet when every engine
    /// in rotation is full. Default 2, range 1–256. With <c>Sandbox:MaxConcurrency</c> 0 the service runs as many
    /// executions at once as the fleet's capacities add up to.</summary>
    [Range(1, 256)]
    public int Capacity { get; set; } = 2;

    /// <summary>Containers kept ready per profile on this engine. Default null: <c>Sandbox:Docker:PoolSize</c>. Range 0–16.</summary>
    [Range(0, 16)]
    public int? PoolSize { get; set; }

    /// <summary>TLS client certificate for a <c>tcp://</c> endpoint. Default null: none (a unix socket).</summary>
    public DockerEngineTlsOptions? Tls { get; set; }
}

/// <summary>TLS of a remote engine (<c>dockerd --tlsverify</c>): PEM files, as <c>docker --tlsverify</c> takes them.</summary>
public sealed class DockerEngineTlsOptions
{
    /// <summary>The CA that signed the engine's server certificate (<c>ca.pem</c>); the server certificate must chain
    /// to it and name the endpoint's host. Required.</summary>
    [Required]
    public string CaPath { get; set; } = "";

    /// <summary>This service's client certificate (<c>cert.pem</c>). Required.</summary>
    [Required]
    public string CertPath { get; set; } = "";

    /// <summary>The client certificate's private key (<c>key.pem</c>, unencrypted). Required.</summary>
    [Required]
    public string KeyPath { get; set; } = "";
}

/// <summary>Section <c>Sandbox:Docker:Breaker</c>: when an engine of the fleet is taken out of rotation.</summary>
public sealed class EngineBreakerOptions
{
    /// <summary>Consecutive engine faults (engine unreachable, container set-up failed: never a program's own failure)
    /// that take an engine out of rotation. Default 3, range 1–100.</summary>
    [Range(1, 100)]
    public int FailuresToOpen { get; set; } = 3;

    /// <summary>Seconds an engine stays out before a probe (the engine's version call) may let it back in; a failed probe
    /// keeps it out for as long again. Default 30, range 1–3600.</summary>
    [Range(1, 3600)]
    public int OpenSeconds { get; set; } = 30;

    /// <summary>Seconds the probe may take. Default 5, range 1–120.</summary>
    [Range(1, 120)]
    public int ProbeTimeoutSeconds { get; set; } = 5;
}
