using System.Globalization;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// Who owns a sandbox container: the host name, pid namespace, pid and start time (so a recycled pid is not taken for
/// the owner) of the service process that created it, and, when the service itself runs in a container of the same
/// engine, that container's id and start time. A container is a leftover when its owner ran on this host, in this pid
/// namespace (where its pid means something), and is gone; or when its owner's container is gone, stopped, or started
/// again since (a restart is a new service: a new pid namespace). A container of another live service, of a live
/// service in another container, or of another host sharing the engine, is never touched.
/// </summary>
internal static partial class OwnerIdentity
{
    /// <summary>
    /// The id of the container this process runs in, as the engine names it, or null outside one: Docker bind-mounts
    /// the container's own <c>/etc/hostname</c>, <c>/etc/hosts</c> and <c>/etc/resolv.conf</c> from
    /// <c>…/containers/&lt;id&gt;/</c>, which <c>/proc/self/mountinfo</c> shows whatever the hostname is.
    /// </summary>
    public static string? OwnContainerId(string mountinfoPath = "/proc/self/mountinfo")
    {
        try
        {
            return ContainerIdIn(File.ReadAllText(mountinfoPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The container id named by a mountinfo text (the bind of the container's hostname file), or null.</summary>
    public static string? ContainerIdIn(string mountinfo)
    {
        foreach (var line in mountinfo.Split('\n'))
        {
            var fields = line.Split(' ');
            // Field 4 is the mount's root within its filesystem, field 5 where it is mounted.
            if (fields.Length > 4 && fields[4] is "/etc/hostname" or "/etc/hosts" or "/etc/resolv.conf"
                && ContainerPathPattern().Match(fields[3]) is { Success: true } match)
            {
                return match.Groups[1].Value;
            }
        }

        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("/containers/([0-9a-f]{64})/(hostname|hosts|resolv\\.conf)$")]
    private static partial System.Text.RegularExpressions.Regex ContainerPathPattern();

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

    /// <summary>
    /// Whether the owner named by a container's labels is certainly dead. <paramref name="ownContainer"/>: this
    /// service's own container labels (id and start), when it runs in one. <paramref name="inspectOwner"/>: the owner
    /// container's running state and start time from the engine, or null when the engine does not know it.
    /// </summary>
    public static async Task<bool> IsDeadOwnerAsync(
        IDictionary<string, string>? labels,
        (string Id, string Started)? ownContainer,
        Func<string, Task<(bool Running, string Started)?>> inspectOwner)
    {
        if (labels is not null && labels.TryGetValue(DockerEngine.OwnerContainerLabel, out var owner) && owner.Length > 0)
        {
            labels.TryGetValue(DockerEngine.OwnerContainerStartLabel, out var recorded);
            if (ownContainer is not { } own || own.Id != owner || own.Started != recorded)
            {
                // Another container (or an earlier start of ours): the engine knows whether it still runs as it did.
                return await inspectOwner(owner) is not { Running: true } state || state.Started != recorded;
            }

            // Our own container, this very start: its pid namespace is ours, so the pid check below applies.
        }

        return IsDeadOwner(labels);
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
