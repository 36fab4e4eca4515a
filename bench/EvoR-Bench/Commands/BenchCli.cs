using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Bench.Commands;

/// <summary>
/// <c>EvoR.Bench COMMAND [options] [--Section:Key=value …]</c> on System.CommandLine: typed options and generated
/// <c>--help</c>. Any option whose name holds a colon is a configuration override (<c>--Llm:Model=x</c>,
/// <c>--Sandbox:Backend docker</c>), as are environment variables (<c>Llm__Model</c>). Exit codes: 0 ran, 1 ran and
/// found a correctness problem, 2 usage or configuration error, 130 cancelled.
/// </summary>
internal static class BenchCli
{
    public const int ExitOk = 0;
    public const int ExitProblems = 1;
    public const int ExitUsage = 2;
    public const int ExitCancelled = 130;

    /// <summary>Parses and runs. <paramref name="configure"/> may replace services of <c>run</c>'s container (tests: a scripted model).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, TimeProvider time,
        CancellationToken cancellationToken, Action<IServiceCollection>? configure = null, bool interactive = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var root = new RootCommand("EvoR-Bench: run methods over datasets and report like a paper; time the sandbox.")
        {
            RunCommand.Build(output, time, configure, interactive),
            MethodsCommand.Build(output),
            CompareCommand.Build(output),
            SandboxBenchmarkCommand.Build(output, time),
            OverheadCommand.Build(output, time),
        };
        ConfigurationOverridesHelpAction.Install(root);
        var parsed = root.Parse([.. args]);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors)
            {
                await error.WriteLineAsync(e.Message);
            }

            await error.WriteLineAsync("Try --help.");
            return ExitUsage;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // Program.cs owns Ctrl-C: it cancels the token, the command stops cleanly and exits 130.
                ProcessTerminationTimeout = null,
            }, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitUsage;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await error.WriteLineAsync("Invalid configuration: " + ex.Message);
            return ExitUsage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("Cancelled.");
            return ExitCancelled;
        }
    }

    /// <summary>The configuration overrides among a command's unmatched tokens: <c>--A:B=v</c> and <c>--A:B v</c>.</summary>
    /// <exception cref="ArgumentException">A token that is neither an option of the command nor an override.</exception>
    public static IReadOnlyList<string> ConfigurationOverrides(IReadOnlyList<string> unmatched)
    {
        var overrides = new List<string>();
        for (var i = 0; i < unmatched.Count; i++)
        {
            var token = unmatched[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || !token[2..].Split('=')[0].Contains(':', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unrecognized argument '{token}'. Try --help.");
            }

            if (token.Contains('=', StringComparison.Ordinal))
            {
                overrides.Add(token);
            }
            else if (i + 1 < unmatched.Count)
            {
                overrides.Add($"{token}={unmatched[++i]}");
            }
            else
            {
                throw new ArgumentException($"Option '{token}' needs a value.");
            }
        }

        return overrides;
    }
}
