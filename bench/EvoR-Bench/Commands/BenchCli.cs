namespace EvoR.Bench.Commands;

/// <summary>Dispatches <c>EvoR.Bench COMMAND [options]</c> to a command. Exit codes: 0 ran, 1 ran and found a
/// correctness problem, 2 usage or configuration error, 130 cancelled.</summary>
internal static class BenchCli
{
    public const int ExitOk = 0;
    public const int ExitProblems = 1;
    public const int ExitUsage = 2;
    public const int ExitCancelled = 130;

    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyList<IBenchCommand> commands,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        BenchArguments arguments;
        try
        {
            arguments = BenchArguments.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitUsage;
        }

        var command = commands.FirstOrDefault(c => string.Equals(c.Name, arguments.Command, StringComparison.OrdinalIgnoreCase));
        if (command is null)
        {
            var writer = arguments.Command is null ? output : error;
            if (arguments.Command is not null)
            {
                await error.WriteLineAsync($"Unknown command '{arguments.Command}'.");
            }

            await writer.WriteLineAsync("Usage: EvoR.Bench COMMAND [options] [--Sandbox:Key=value ...]");
            await writer.WriteLineAsync("Commands:");
            foreach (var c in commands)
            {
                await writer.WriteLineAsync($"  {c.Name,-10} {c.Summary}");
            }

            return arguments.Command is null ? ExitOk : ExitUsage;
        }

        if (arguments.Has("help") || arguments.Has("h"))
        {
            await output.WriteLineAsync($"Usage: EvoR.Bench {command.Name} [options] [--Sandbox:Key=value ...]");
            await output.WriteLineAsync(command.Summary);
            await output.WriteLineAsync(command.Usage);
            return ExitOk;
        }

        try
        {
            return await command.RunAsync(arguments, output, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitUsage;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await error.WriteLineAsync("Invalid sandbox configuration: " + ex.Message);
            return ExitUsage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("Cancelled.");
            return ExitCancelled;
        }
    }
}
