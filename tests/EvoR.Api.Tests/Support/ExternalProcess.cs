using System.Diagnostics;

namespace EvoR.Api.Tests.Support;

/// <summary>Runs a program a user would run (bash, curl, evor.sh, redocly) and collects what it printed.</summary>
internal static class ExternalProcess
{
    /// <summary>Runs <paramref name="fileName"/> to its end; both streams are read at once, so neither can fill up and
    /// stall the program.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string fileName, IEnumerable<string> arguments,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null)
            start.WorkingDirectory = workingDirectory;
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }
}
