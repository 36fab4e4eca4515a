using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Diagnostics;
using EvoR.Sandbox.Languages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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

    public Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default) =>
        ExecuteAsync(request, scope: null, cancellationToken);

    /// <summary>A trust scope of its own (<see cref="SandboxScope"/>) for the executions run through it.</summary>
    public IExecutionScope OpenScope() => new ExecutionScope(this, new SandboxScope());

    /// <summary>Ends a scope opened by <see cref="OpenScope"/>: the backend removes what it kept for it.</summary>
    internal ValueTask EndScopeAsync(SandboxScope scope) => _backend.EndScopeAsync(scope);

    internal async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, SandboxScope? scope, CancellationToken cancellationToken)
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
            var result = await RunAsync(language, request, limits, scope, cancellationToken);
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
        LanguageDefinition language, ExecutionRequest request, ExecutionLimits limits, SandboxScope? scope, CancellationToken cancellationToken)
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
            var (compile, compileShort) = await RunBookedAsync(booking, CompileSpec(language, files, limits, environment, libraries) with { Scope = scope }, cancellationToken);
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
            Scope = scope,
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
            Fault = v == Verdict.SandboxError ? r.Fault : null,
        };
    }

    private static string Decode(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public void Dispose() => _pool.Dispose();
}
