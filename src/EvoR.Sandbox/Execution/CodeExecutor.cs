using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Diagnostics;
using EvoR.Sandbox.Languages;
using EvoR.Sandbox.Scoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static System.FormattableString;

namespace EvoR.Sandbox.Execution;

/// <summary>
/// Runs requests on a backend through a bounded pool with a bounded queue (past both, callers are told at once).
/// Owns everything that must be identical across backends: validation, the compile step, script and io tests, the
/// completion sentinel, and verdicts. A run is never retried: a timeout is a verdict, not a fault.
/// </summary>
public sealed partial class CodeExecutor : ICodeExecutor, IDisposable
{
    private const int MiB = 1024 * 1024;

    private readonly ISandboxBackend _backend;
    private readonly LanguageCatalog _catalog;
    private readonly LimitsPolicy _limits;
    private readonly SandboxOptions _options;
    private readonly SandboxTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<CodeExecutor> _logger;
    private readonly ConcurrencyLimiter _pool;
    private readonly OutputBudget _outputBudget;
    private readonly NamedLibraries _libraries;
    private readonly ILanguageAvailability? _availability;
    private long _active;

    public CodeExecutor(
        ISandboxBackend backend,
        LanguageCatalog catalog,
        LimitsPolicy limits,
        IOptions<SandboxOptions> options,
        SandboxTelemetry telemetry,
        TimeProvider time,
        ILogger<CodeExecutor> logger,
        OutputBudget? outputBudget = null,
        NamedLibraries? libraries = null,
        ILanguageAvailability? availability = null)
    {
        _libraries = libraries ?? new NamedLibraries(options);
        _availability = availability;
        _backend = backend;
        _catalog = catalog;
        _limits = limits;
        _options = options.Value;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        _outputBudget = outputBudget ?? new OutputBudget(_options.MaxTotalOutputBytes);
        Concurrency = _options.MaxConcurrency > 0 ? _options.MaxConcurrency : System.Environment.ProcessorCount;
        _pool = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Concurrency,
            QueueLimit = _options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        telemetry.ObservePool(
            () => _pool.GetStatistics()?.CurrentQueuedCount ?? 0,
            () => Interlocked.Read(ref _active));
    }

    public string Backend => _backend.Name;

    /// <summary>Executions that run at once.</summary>
    public int Concurrency { get; }

    /// <summary>The service-wide bound on the output running executions hold.</summary>
    public OutputBudget OutputBudget => _outputBudget;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (language, limits) = Validate(request);
        if (_availability is not null && await _availability.UnavailableReasonAsync(language, cancellationToken) is { } unavailable)
        {
            throw new ExecutionRequestException(RequestErrorKind.LanguageUnavailable, unavailable, "language");
        }

        using var lease = await _pool.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            _telemetry.RecordRejection();
            Log.PoolFull(_logger, Concurrency, _options.QueueLimit);
            // A slot frees when a run ends; the default wall limit bounds how long that can take.
            throw new SandboxBusyException(TimeSpan.FromSeconds(Math.Max(1, limits.TimeoutMs / 1000)));
        }

        Interlocked.Increment(ref _active);
        try
        {
            using var activity = SandboxTelemetry.ActivitySource.StartActivity("sandbox.execute");
            activity?.SetTag("evor.language", language.Name);
            activity?.SetTag("evor.backend", _backend.Name);
            var started = _time.GetTimestamp();
            var result = await RunAsync(language, request, limits, cancellationToken);
            var elapsed = _time.GetElapsedTime(started);
            activity?.SetTag("evor.verdict", result.Verdict.ToString());
            _telemetry.RecordExecution(language.Name, result.Verdict, _backend.Name, elapsed);
            Log.ExecutionFinished(_logger, language.Name, result.Verdict, result.DurationMs, _backend.Name);
            Log.ProgramOutput(_logger, language.Name, result.Stdout, result.Stderr);
            if (result.Verdict == Verdict.SandboxError)
            {
                Log.SandboxFault(_logger, language.Name, result.Message ?? "unknown");
            }

            return result;
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>Runs a validated request without taking a pool slot (health probes use it).</summary>
    internal async Task<ExecutionResult> RunAsync(
        LanguageDefinition language, ExecutionRequest request, ExecutionLimits limits, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var environment = new Dictionary<string, string>(_options.Environment, StringComparer.Ordinal);
        foreach (var (name, value) in language.Environment)
        {
            environment[name] = value;
        }

        var libraries = _libraries.Resolve(request.Libraries);
        NamedLibraries.AddImportPath(environment, language.Name, libraries);

        string? sentinel = null;
        var source = request.Code;
        if (request.Tests is ScriptTests script)
        {
            // A fresh nonce per run, printed only after the appended tests complete: a program that exits early,
            // kills the harness or fakes exit code 0 cannot produce it.
            sentinel = "EVOR-TESTS-COMPLETE-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            source = string.Concat(request.Code, "\n\n", script.Code, "\n\n",
                string.Format(CultureInfo.InvariantCulture, language.Sentinel!, sentinel), "\n");
        }

        // Everything this execution prints is booked from the service-wide output budget until it returns.
        using var booking = _outputBudget.Open();
        var files = new List<SandboxFile> { new(language.SourceFile, Encoding.UTF8.GetBytes(source)) };
        string? compileOutput = null;
        if (language.IsCompiled)
        {
            var (compile, compileShort) = await RunBookedAsync(booking, CompileSpec(language, files, limits, environment, libraries), cancellationToken);
            compileOutput = Decode(compile.Stderr);
            if (CompileFailure(compile) is { } failure)
            {
                return Result(failure.Verdict, compile, compileShort ?? failure.Message) with { CompileOutput = compileOutput };
            }

            files.Add(new SandboxFile(Path.GetFileName(language.Artifact!), compile.Stdout, Executable: true));
        }

        // The program's arguments follow its command (a warm runner passes them on as the program's own); files for the
        // working folder are unpacked by a helper before the program starts, which needs the plain command.
        IReadOnlyList<string> command = [.. language.Run, .. request.Arguments ?? []];
        IReadOnlyList<string>? warmCommand = language.WarmRun is { } warm ? [.. warm, .. request.Arguments ?? []] : null;
        var runLimits = limits;
        var workFiles = WorkingFolder.Validate(request.Files, _options, limits);
        if (workFiles.Count > 0)
        {
            files.Add(WorkingFolder.Archive(workFiles));
            command = WorkingFolder.Unpacking(command);
            warmCommand = null;
            runLimits = limits with { MaxProcesses = limits.MaxProcesses + WorkingFolder.HelperProcesses };
        }

        var spec = new SandboxRunSpec
        {
            Command = command,
            WarmCommand = warmCommand,
            Files = files,
            Limits = runLimits,
            Environment = environment,
            HostPaths = language.HostPaths,
            Libraries = libraries,
            StdoutCapBytes = sentinel is null ? null : limits.OutputBytes + sentinel.Length + 2,
        };

        if (request.Tests is IoTests io)
        {
            return await RunCasesAsync(io, spec, language, limits, started, booking, cancellationToken) with { CompileOutput = compileOutput };
        }

        var (run, budgetShort) = await RunBookedAsync(
            booking,
            spec with { Stdin = string.IsNullOrEmpty(request.Stdin) ? null : Encoding.UTF8.GetBytes(request.Stdin) },
            cancellationToken);
        var stdout = Decode(run.Stdout);
        var sentinelSeen = false;
        if (sentinel is not null)
        {
            var marker = "\n" + sentinel + "\n";
            var at = stdout.LastIndexOf(marker, StringComparison.Ordinal);
            sentinelSeen = at >= 0;
            stdout = sentinelSeen ? stdout.Remove(at, marker.Length) : stdout;
        }

        var (verdict, message) = VerdictClassifier.Limits(run, language, limits)
            ?? (sentinel is null ? VerdictClassifier.Plain(run) : VerdictClassifier.Script(run, language, sentinelSeen));
        if (verdict == Verdict.OutputLimitExceeded && budgetShort is not null)
        {
            message = budgetShort;
        }

        return Result(verdict, run, message) with
        {
            Stdout = stdout,
            CompileOutput = compileOutput,
            DurationMs = (long)_time.GetElapsedTime(started).TotalMilliseconds,
        };

        ExecutionResult Result(Verdict v, SandboxRun r, string? m) => new()
        {
            Verdict = v,
            ExitCode = r.ExitCode,
            Stdout = Decode(r.Stdout),
            Stderr = Decode(r.Stderr),
            Truncated = r.Truncated,
            DurationMs = (long)_time.GetElapsedTime(started).TotalMilliseconds,
            Message = m,
            Limits = limits,
            Backend = _backend.Name,
            Language = language.Name,
        };
    }

    private async Task<ExecutionResult> RunCasesAsync(
        IoTests io, SandboxRunSpec spec, LanguageDefinition language, ExecutionLimits limits, long started, OutputBooking booking,
        CancellationToken cancellationToken)
    {
        var cases = new List<CaseResult>(io.Cases.Count);
        for (var i = 0; i < io.Cases.Count; i++)
        {
            var @case = io.Cases[i];
            var (run, budgetShort) = await RunBookedAsync(
                booking, spec with { Stdin = @case.Stdin.Length == 0 ? null : Encoding.UTF8.GetBytes(@case.Stdin) }, cancellationToken);
            var stdout = Decode(run.Stdout);
            var (verdict, message) = VerdictClassifier.Limits(run, language, limits)
                ?? (run.ExitCode != 0
                    ? VerdictClassifier.Plain(run)
                    : OutputComparer.Matches(stdout, @case.ExpectedStdout, io.IgnoreWhitespace, io.NumericTolerance)
                        ? (Verdict.Passed, null)
                        : (Verdict.Failed, "Output differs from the expected output."));
            if (verdict == Verdict.OutputLimitExceeded && budgetShort is not null)
            {
                message = budgetShort;
            }
            cases.Add(new CaseResult
            {
                Index = i,
                Verdict = verdict,
                ExitCode = run.ExitCode,
                Stdout = stdout,
                Stderr = Decode(run.Stderr),
                Truncated = run.Truncated,
                DurationMs = run.DurationMs,
                Message = message,
            });

            if (verdict == Verdict.SandboxError)
            {
                break; // Our fault: later cases would fail the same way.
            }
        }

        // The first case that did not pass speaks for the whole result.
        var decisive = cases.FirstOrDefault(c => c.Verdict != Verdict.Passed) ?? cases[^1];
        var passed = cases.Count(c => c.Verdict == Verdict.Passed);
        return new ExecutionResult
        {
            Verdict = decisive.Verdict,
            ExitCode = decisive.ExitCode,
            Stdout = decisive.Stdout,
            Stderr = decisive.Stderr,
            Truncated = cases.Any(c => c.Truncated),
            DurationMs = (long)_time.GetElapsedTime(started).TotalMilliseconds,
            Cases = cases,
            Message = decisive.Verdict == Verdict.Passed
                ? Invariant($"All {cases.Count} cases passed.")
                : Invariant($"{passed} of {io.Cases.Count} cases passed; case {decisive.Index}: {decisive.Message}"),
            Limits = limits,
            Backend = _backend.Name,
            Language = language.Name,
        };
    }

    /// <summary>
    /// One run whose captured output is taken from the service-wide output budget (<see cref="OutputBudget"/>). Returns
    /// the run and, when the budget cut its output, the message that says so.
    /// </summary>
    private async Task<(SandboxRun Run, string? BudgetShort)> RunBookedAsync(
        OutputBooking booking, SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var allowance = booking.ForRun();
        var run = await _backend.RunAsync(spec with { OutputAllowance = allowance }, cancellationToken);
        return (run, allowance.Short && run.OutputLimitExceeded
            ? Invariant($"Output exceeded what is left of the service-wide output budget (Sandbox:MaxTotalOutputBytes: {_outputBudget.Capacity} bytes for all running executions together); the program was killed after {run.Stdout.Length + run.Stderr.Length} bytes.")
            : null);
    }

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

    private static string Decode(byte[] bytes) => Encoding.UTF8.GetString(bytes);


    public void Dispose() => _pool.Dispose();
}
