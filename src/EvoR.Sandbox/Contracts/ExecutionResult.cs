using System.Text.Json.Serialization;
using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox;

/// <summary>The outcome of an <see cref="ExecutionRequest"/>. Echoes the limits and backend that produced it.</summary>
public sealed record ExecutionResult
{
    public required Verdict Verdict { get; init; }

    /// <summary>Exit code of the (last) run; null when it never exited on its own (killed, or never started).</summary>
    public int? ExitCode { get; init; }

    public string Stdout { get; init; } = "";
    public string Stderr { get; init; } = "";

    /// <summary>True when any captured output was cut at the output cap.</summary>
    public bool Truncated { get; init; }

    public long DurationMs { get; init; }

    /// <summary>One entry per io case, in request order; empty for other kinds of tests.</summary>
    public IReadOnlyList<CaseResult> Cases { get; init; } = [];

    /// <summary>Compiler output when a compile step ran.</summary>
    public string? CompileOutput { get; init; }

    /// <summary>Why the verdict was given, in a sentence, for feedback and for humans.</summary>
    public string? Message { get; init; }

    public required ExecutionLimits Limits { get; init; }

    /// <summary>Which sandbox backend ran it (<c>process</c>, <c>docker</c>).</summary>
    public required string Backend { get; init; }

    public required string Language { get; init; }

    /// <summary>With <see cref="Verdict.SandboxError"/>: whose part failed. <c>engine</c> may pass when retried a little
    /// later; <c>installation</c> will not until what is missing is installed. Absent with every other verdict.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SandboxFault? Fault { get; init; }
}

/// <summary>The outcome of one io case.</summary>
public sealed record CaseResult
{
    public required int Index { get; init; }
    public required Verdict Verdict { get; init; }
    public int? ExitCode { get; init; }
    public string Stdout { get; init; } = "";
    public string Stderr { get; init; } = "";
    public bool Truncated { get; init; }
    public long DurationMs { get; init; }
    public string? Message { get; init; }
}
