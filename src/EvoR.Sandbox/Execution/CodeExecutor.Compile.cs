using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Languages;
using static System.FormattableString;

namespace EvoR.Sandbox.Execution;

/// <summary>The compile step of a compiled language: its run's command and limits, and what its end means.</summary>
public sealed partial class CodeExecutor
{
    private SandboxRunSpec CompileSpec(
        LanguageDefinition language, IReadOnlyList<SandboxFile> files, ExecutionLimits limits, IReadOnlyDictionary<string, string> environment,
        IReadOnlyList<SandboxLibrary> libraries) => new()
    {
        // Compiler messages go to stderr; the artifact comes back over stdout, so nothing is ever read from a path the
        // program could have replaced with a symlink.
        Command = ["/bin/sh", "-c", "\"$@\" 1>&2 && exec cat \"$0\"", language.Artifact!, .. language.Compile!],
        Files = files,
        Environment = environment,
        HostPaths = language.HostPaths,
        Libraries = libraries,
        StdoutCapBytes = _options.MaxArtifactMb * MiB,
        Limits = limits with
        {
            TimeoutMs = _options.CompileTimeoutMs,
            CpuTimeMs = _options.CompileTimeoutMs,
            MemoryMb = Math.Max(limits.MemoryMb, _options.CompileMemoryMb),
            MaxProcesses = Math.Max(limits.MaxProcesses, 64),
            FileSizeMb = Math.Max(limits.FileSizeMb, _options.MaxArtifactMb),
            OpenFiles = Math.Max(limits.OpenFiles, 1024),
            ScratchMb = Math.Max(limits.ScratchMb, 256),
            OutputBytes = Math.Max(limits.OutputBytes, MiB),
        },
    };

    private (Verdict Verdict, string Message)? CompileFailure(SandboxRun compile) => compile switch
    {
        { SetupError: { } error } => (Verdict.SandboxError, error),
        { TimedOut: true } => (Verdict.CompileError, Invariant($"Compilation exceeded {_options.CompileTimeoutMs} ms.")),
        { OomKilled: true } => (Verdict.CompileError, "The compiler ran out of memory."),
        { OutputLimitExceeded: true } => (Verdict.CompileError,
            Invariant($"Compiler output or the compiled program exceeded its cap ({_options.MaxArtifactMb} MiB).")),
        { ExitCode: not 0 } => (Verdict.CompileError, Invariant($"Compilation failed (exit {compile.ExitCode}).")),
        { Stdout.Length: 0 } => (Verdict.CompileError, "The compiler produced no program."),
        _ => null,
    };
}
