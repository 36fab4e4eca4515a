using System.Globalization;
using static System.FormattableString;

namespace EvoR.Sandbox.Process;

/// <summary>
/// Removes what services that died mid-run left behind: their runs' cgroups (killing anything still in them) and run
/// folders. A run's name starts with its owner's pid (<c>PID-…</c>), so runs of live services sharing this host
/// (test processes run side by side) are left alone.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class LeftoverSweep
{
    /// <summary>A new run's name: the owner's pid, then a random part.</summary>
    public static string NewRunName() => Invariant($"{System.Environment.ProcessId}-{Guid.NewGuid():N}")[..24];

    /// <summary>Kills and removes the runs of dead owners; returns how many were removed.</summary>
    public static async Task<int> RemoveAsync(string workRoot, CgroupV1? cgroups, TimeProvider time)
    {
        var removed = 0;
        foreach (var scope in cgroups?.Leftovers() ?? [])
        {
            if (!OwnerAlive(Path.GetFileName(scope.MemoryPath)) && await scope.RemoveAsync(time) is null)
            {
                removed++;
            }
        }

        var runs = Path.Combine(workRoot, "runs");
        if (Directory.Exists(runs))
        {
            foreach (var dir in Directory.EnumerateDirectories(runs).Where(d => !OwnerAlive(Path.GetFileName(d))))
            {
                TryDeleteDirectory(dir);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Whether the service that named this run still lives (this one included).</summary>
    public static bool OwnerAlive(string runName)
    {
        var dash = runName.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && int.TryParse(runName.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && (pid == System.Environment.ProcessId || Directory.Exists(Invariant($"/proc/{pid}")));
    }

    public static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
