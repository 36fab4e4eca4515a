using EvoR.Sandbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Testing;

/// <summary>
/// Whether the process sandbox (the default backend) can run a Python program on this machine, for tests that need a
/// real sandbox under the code they test: they skip with the reason where it cannot.
/// </summary>
public static class ProcessSandboxProbe
{
    /// <summary>The skip reason, or null when a fresh process sandbox runs <c>print(1)</c> to Passed.</summary>
    public static async Task<string?> UnavailableReasonAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the process sandbox needs Linux";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sandbox:Process:WarmSandboxes"] = "0" }).Build();
        await using var services = new ServiceCollection().AddLogging().AddEvoRSandbox(configuration).BuildServiceProvider();
        try
        {
            var result = await services.GetRequiredService<ICodeExecutor>().ExecuteAsync(new ExecutionRequest { Language = "python", Code = "print(1)" });
            return result.Verdict == Verdict.Passed ? null : $"process sandbox unavailable on this machine: {result.Verdict} {result.Message}";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"process sandbox unavailable on this machine: {ex.Message}";
        }
    }
}
