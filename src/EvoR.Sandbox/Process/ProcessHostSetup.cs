using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using EvoR.Sandbox.Diagnostics;
using Microsoft.Extensions.Logging;
using static System.FormattableString;

namespace EvoR.Sandbox.Process;

/// <summary>
/// Prepares the host once for the process backend: finds bubblewrap, prlimit and (as root) setpriv, creates the work
/// root with modes the sandbox's host uid can pass through but not list, writes the shared passwd, group and seccomp
/// files, takes the cgroups when they are writable, and sweeps what dead services left (<see cref="LeftoverSweep"/>).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static partial class ProcessHostSetup
{
    /// <summary>Work root, runs folder and run folders: the sandbox's host uid may pass through (bubblewrap binds the app
    /// folder and the passwd and group files from there) but not list them.</summary>
    public const UnixFileMode TraverseOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly string[] RootLinks = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

    public static async Task<ProcessHostState> CreateAsync(ProcessSandboxOptions options, TimeProvider time, ILogger logger)
    {
        // A root service's sandboxes run as HostUid, which must pass through the work root: its own default folder, so that
        // no service sharing this host with other settings (or an older version) changes the modes under it.
        var dropsRoot = NativeMethods.GetEffectiveUid() == 0;
        var workRoot = options.WorkRoot ?? Path.Combine(Path.GetTempPath(),
            dropsRoot ? Invariant($"evor-sandbox-{options.HostUid}") : "evor-sandbox");
        var bubblewrap = FindExecutable(options.BubblewrapPath);
        var prlimit = FindExecutable(options.PrlimitPath);
        if (bubblewrap is null || prlimit is null)
        {
            var missing = bubblewrap is null
                ? $"bubblewrap ('{options.BubblewrapPath}') was not found on PATH: install the 'bubblewrap' package"
                : $"prlimit ('{options.PrlimitPath}') was not found on PATH: install the 'util-linux' package";
            return new ProcessHostState { Error = missing, WorkRoot = workRoot };
        }

        string? setpriv = null;
        if (dropsRoot)
        {
            setpriv = FindExecutable(options.SetprivPath);
            if (setpriv is null)
            {
                return new ProcessHostState
                {
                    Error = $"the service runs as root and setpriv ('{options.SetprivPath}') was not found on PATH to drop to uid {options.HostUid}: install the 'util-linux' package",
                    WorkRoot = workRoot,
                };
            }
        }

        Directory.CreateDirectory(workRoot);
        File.SetUnixFileMode(workRoot, TraverseOnly);
        if (setpriv is not null && ClosedAncestor(workRoot) is { } closed)
        {
            return new ProcessHostState
            {
                Error = $"the sandbox's host uid {options.HostUid} cannot pass through '{closed}' to the work root '{workRoot}' (Sandbox:Process:WorkRoot): give it o+x, or choose another work root",
                WorkRoot = workRoot,
            };
        }

        var runs = Path.Combine(workRoot, "runs");
        Directory.CreateDirectory(runs);
        File.SetUnixFileMode(runs, TraverseOnly);
        var uid = options.SandboxUid;
        var passwd = Path.Combine(workRoot, "passwd");
        var group = Path.Combine(workRoot, "group");
        await WriteSharedFileAsync(passwd, Encoding.UTF8.GetBytes(Invariant($"root:x:0:0:root:/:/usr/sbin/nologin\nsandbox:x:{uid}:{uid}:sandbox:/work:/bin/sh\n")));
        await WriteSharedFileAsync(group, Encoding.UTF8.GetBytes(Invariant($"root:x:0:\nsandbox:x:{uid}:\n")));

        string? seccomp = null;
        if (SeccompFilter.IsSupported)
        {
            seccomp = Path.Combine(workRoot, "seccomp.bpf");
            await WriteSharedFileAsync(seccomp, SeccompFilter.BuildX8664());
        }
        else
        {
            Log.SeccompUnavailable(logger, System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString());
        }

        CgroupV1? cgroups = null;
        if (options.UseCgroups)
        {
            var candidate = new CgroupV1(options.CgroupMount, options.CgroupParent);
            if (await candidate.TryInitializeAsync(time) is { } reason)
            {
                Log.CgroupsUnavailable(logger, reason);
            }
            else
            {
                cgroups = candidate;
            }
        }

        var leftovers = await LeftoverSweep.RemoveAsync(workRoot, cgroups, time);
        if (leftovers > 0)
        {
            Log.LeftoversRemoved(logger, leftovers);
        }

        Log.ProcessBackendReady(logger, bubblewrap, cgroups is not null, seccomp is not null, workRoot);
        return new ProcessHostState
        {
            WorkRoot = workRoot,
            Bubblewrap = bubblewrap,
            Prlimit = prlimit,
            Setpriv = setpriv,
            PasswdPath = passwd,
            GroupPath = group,
            SeccompPath = seccomp,
            Cgroups = cgroups,
            DisableUserns = await SupportsDisableUsernsAsync(bubblewrap),
            RootEntries = FindRootEntries(),
        };
    }

    /// <summary>The host's top-level folders as <see cref="ProcessHostState.RootEntries"/> says.</summary>
    private static List<RootEntry> FindRootEntries()
    {
        var entries = new List<RootEntry>();
        foreach (var name in RootLinks)
        {
            var path = "/" + name;
            if (new FileInfo(path).LinkTarget is { } target)
            {
                entries.Add(new RootEntry(path, target));
            }
            else if (Directory.Exists(path))
            {
                entries.Add(new RootEntry(path, null));
            }
        }

        return entries;
    }

    /// <summary>The first folder above <paramref name="path"/> that others may not pass through (no o+x), or null.</summary>
    private static string? ClosedAncestor(string path)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if ((File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
            {
                return dir;
            }
        }

        return null;
    }

    /// <summary>
    /// Replaces a file that live sandboxes of other services on this host (they share the work root) may be reading:
    /// written beside it and renamed over it, so a reader sees the old or the new content, never a truncated one
    /// (a half-written seccomp program makes bubblewrap fail with EINVAL).
    /// </summary>
    private static async Task WriteSharedFileAsync(string path, byte[] content)
    {
        if (File.Exists(path) && (await File.ReadAllBytesAsync(path)).AsSpan().SequenceEqual(content))
        {
            return;
        }

        var temporary = Invariant($"{path}.{System.Environment.ProcessId}.{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(temporary, content);
        File.SetUnixFileMode(temporary, Readable);
        File.Move(temporary, path, overwrite: true);
    }

    private static async Task<bool> SupportsDisableUsernsAsync(string bubblewrap)
    {
        // --disable-userns arrived in bubblewrap 0.8.0; older ones reject the flag outright.
        var startInfo = new ProcessStartInfo(bubblewrap, "--version") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var match = VersionPattern().Match(output);
        return match.Success && Version.TryParse(match.Value, out var version) && version >= new Version(0, 8, 0);
    }

    private static string? FindExecutable(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }

        var path = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    [GeneratedRegex(@"\d+\.\d+(\.\d+)?")]
    private static partial Regex VersionPattern();
}
