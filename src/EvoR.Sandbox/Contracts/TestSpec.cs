using System.Text.Json.Serialization;

namespace EvoR.Sandbox;

/// <summary>How a program is tested. Serialised with a <c>kind</c> discriminator: <c>script</c> or <c>io</c>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(ScriptTests), "script")]
[JsonDerivedType(typeof(IoTests), "io")]
public abstract record TestSpec;

/// <summary>
/// HumanEval-style tests: <see cref="Code"/> is appended to the program (e.g. a <c>check</c> function and
/// <c>check(entry_point)</c>). Passed requires the whole script to run to its end, proven by a per-run sentinel.
/// </summary>
public sealed record ScriptTests : TestSpec
{
    public required string Code { get; init; }
}

/// <summary>Input/output cases: each case feeds <see cref="IoCase.Stdin"/> and compares stdout.</summary>
public sealed record IoTests : TestSpec
{
    public required IReadOnlyList<IoCase> Cases { get; init; }

    /// <summary>Compare token by token, ignoring all whitespace differences. Default false: only trailing whitespace
    /// of each line and trailing blank lines are ignored.</summary>
    public bool IgnoreWhitespace { get; init; }

    /// <summary>Absolute tolerance for tokens that parse as numbers; null compares numbers as text.</summary>
    public double? NumericTolerance { get; init; }
}

/// <summary>One input/output case.</summary>
public sealed record IoCase
{
    public string Stdin { get; init; } = "";
    public required string ExpectedStdout { get; init; }
}
