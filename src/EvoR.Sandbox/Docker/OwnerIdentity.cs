using System.Globalization;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// Who owns a sandbox container: the host name, pid namespace, pid and start time (so a recycled pid is not taken for
/// the owner) of the service process that created it. A container is a leftover only when its owner ran on this host,
/// in this pid namespace (where its pid means something), and is gone; a container of another live service, of a
/// service in another container, or of another host sharing the engine, is never touched.
/// </summary>
internal static class OwnerIdentity
{
    /// <summary>The start time of a process in clock ticks since boot (field 22 of <c>/proc/pid/stat</c>), or null.</summary>
    public static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText(Invariant($"/proc/{pid}/stat"));
            // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>This process's pid namespace (<c>pid:[inode]</c>), or empty when it cannot be read.</summary>
    public static string PidNamespace()
    {
        try
        {
            return new FileInfo("/proc/self/ns/pid").LinkTarget ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Whether the owner named by a container's labels is certainly dead (and ran on this host).</summary>
    public static bool IsDeadOwner(IDictionary<string, string>? labels)
    {
        if (labels is null
            || !labels.TryGetValue(DockerEngine.HostLabel, out var host) || host != System.Environment.MachineName
            || !labels.TryGetValue(DockerEngine.PidNamespaceLabel, out var pidNamespace) || pidNamespace != PidNamespace()
            || pidNamespace.Length == 0
            || !labels.TryGetValue(DockerEngine.PidLabel, out var pidText)
            || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        var start = StartTime(pid);
        return start is null || (labels.TryGetValue(DockerEngine.StartLabel, out var recorded) && recorded.Length > 0 && recorded != start);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
