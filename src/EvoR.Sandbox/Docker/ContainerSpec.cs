using System.Globalization;
using Docker.DotNet.Models;
using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// The hardened container of one run: no network, read-only root, size-limited tmpfs scratch (<c>/work</c>,
/// <c>/tmp</c>, <c>/var/tmp</c>, <c>/dev/shm</c>), every capability dropped, no-new-privileges, Docker's default seccomp
/// profile without ptrace, pids and memory limits (swap equal to memory, so running out of memory is an OOM kill the engine reports),
/// rlimits, an init process as pid 1, a non-root user, the environment allow-list only, no logging driver (output is
/// read from the attach stream), and labels that name the owning service instance. <c>/app</c> is an anonymous volume
/// that receives the run's files through the archive API before start; the program cannot write to it (root-owned).
/// </summary>
internal static class ContainerSpec
{
    private const long MiB = 1024 * 1024;

    /// <summary>Init (pid 1) takes one slot of the pids limit.</summary>
    private const int InitProcesses = 1;

    /// <summary>Docker's default seccomp profile (moby 20.10, Apache-2.0) less <c>ptrace</c>, <c>process_vm_readv</c> and
    /// <c>process_vm_writev</c>, which the default allows on kernels from 4.8: without Yama, a program could otherwise
    /// attach to the init process of its own container (same uid).</summary>
    public static readonly string DefaultSeccompProfile = LoadSeccompProfile();

    /// <summary>The gate of a started pooled container: wait for one line on stdin, then become the run's command.
    /// <c>read</c> takes the input byte by byte, so the program's stdin starts right after the newline.</summary>
    public const string GateScript = "read -r _ || exit 125; exec \"$@\"";

    public static CreateContainerParameters Build(
        SandboxRunSpec spec, string image, DockerSandboxOptions options, IReadOnlyDictionary<string, string> labels)
    {
        var limits = spec.Limits;
        var memory = limits.MemoryMb * MiB;
        var cpuSeconds = Math.Max(1, (limits.CpuTimeMs + 999) / 1000);
        var scratch = Invariant($"rw,nosuid,nodev,size={limits.ScratchMb}m");
        var (uid, gid) = ParseUser(options.User);
        return new CreateContainerParameters
        {
            Image = image,
            Cmd = options.UsesGate ? ["/bin/sh", "-c", GateScript, "evor-gate", .. spec.Command] : [.. spec.Command],
            Env = [.. spec.Environment.Select(kv => $"{kv.Key}={kv.Value}")],
            User = options.User,
            WorkingDir = "/work",
            Hostname = "sandbox",
            AttachStdin = true,
            AttachStdout = true,
            AttachStderr = true,
            OpenStdin = true,
            StdinOnce = true,
            Tty = false,
            NetworkDisabled = true,
            Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                ReadonlyRootfs = true,
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges", "seccomp=" + DefaultSeccompProfile],
                Init = true,
                PidsLimit = limits.MaxProcesses + InitProcesses,
                Memory = memory,
                MemorySwap = memory,
                Ulimits =
                [
                    new Ulimit { Name = "nofile", Soft = limits.OpenFiles, Hard = limits.OpenFiles },
                    new Ulimit { Name = "fsize", Soft = limits.FileSizeMb * MiB, Hard = limits.FileSizeMb * MiB },
                    new Ulimit { Name = "core", Soft = 0, Hard = 0 },
                    new Ulimit { Name = "cpu", Soft = cpuSeconds, Hard = cpuSeconds + 1 },
                ],
                Tmpfs = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["/work"] = Invariant($"{scratch},mode=0755,uid={uid},gid={gid}"),
                    ["/tmp"] = scratch + ",mode=1777",
                    ["/var/tmp"] = scratch + ",mode=1777",
                },
                ShmSize = limits.ScratchMb * MiB,
                IpcMode = "private",
                Mounts = [new Mount { Type = "volume", Target = "/app" }],
                LogConfig = new LogConfig { Type = "none" },
                Runtime = options.Runtime,
                RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
            },
        };
    }

    /// <summary>What makes two runs' containers interchangeable: everything but the labels.</summary>
    public static string ProfileKey(CreateContainerParameters p)
    {
        var h = p.HostConfig!;
        return string.Join('\u001f',
            p.Image, string.Join('\u001e', p.Cmd), string.Join('\u001e', p.Env.Order(StringComparer.Ordinal)), p.User,
            h.Runtime ?? "", h.Memory.ToString(CultureInfo.InvariantCulture), h.PidsLimit?.ToString(CultureInfo.InvariantCulture),
            string.Join('\u001e', h.Ulimits!.Select(u => Invariant($"{u.Name}={u.Soft}:{u.Hard}"))),
            string.Join('\u001e', h.Tmpfs!.Select(t => $"{t.Key}={t.Value}")), h.ShmSize.ToString(CultureInfo.InvariantCulture));
    }

    private static string LoadSeccompProfile()
    {
        using var stream = typeof(ContainerSpec).Assembly.GetManifestResourceStream("EvoR.Sandbox.Docker.seccomp.json")
            ?? throw new InvalidOperationException("The embedded seccomp.json is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Trim();
    }

    private static (string Uid, string Gid) ParseUser(string user)
    {
        var parts = user.Split(':');
        return (parts[0], parts.Length > 1 ? parts[1] : parts[0]);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
