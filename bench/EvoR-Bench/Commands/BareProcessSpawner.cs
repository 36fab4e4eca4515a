using System.Diagnostics;

namespace EvoR.Bench.Commands;

/// <summary>
/// The baseline the sandbox is measured against: spawn the interpreter directly, no isolation, same streams
/// captured. The bench is the one place outside EvoR.Sandbox that starts a process, and only to measure this floor.
/// </summary>
internal sealed class BareProcessSpawner(string executable, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
{
    /// <summary>Starts the program, drains stdout and stderr, waits for it to exit, and returns its exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start '{executable}'.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(stdout, stderr);
        return process.ExitCode;
    }
}
