using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EvoR.Sandbox.Process;

/// <summary>
/// Builds the classic-BPF seccomp program that bubblewrap installs (<c>--seccomp FD</c>) just before it starts the
/// program. Namespaces and dropped capabilities already stop most escapes; this closes what stays open to an
/// unprivileged process inside its own namespace: ptrace of the sandbox's init, nested namespaces, mounts, kernel
/// keyrings, BPF, io_uring. Denied calls fail with EPERM rather than killing, so programs see an ordinary error.
/// </summary>
public static class SeccompFilter
{
    private const uint AuditArchX8664 = 0xC000003E;
    private const uint X32SyscallBit = 0x40000000;
    private const uint RetAllow = 0x7FFF0000;
    private const uint RetErrnoEperm = 0x00050000 | 1;
    private const uint RetKillProcess = 0x80000000;

    private const ushort LdWAbs = 0x20;   // BPF_LD | BPF_W | BPF_ABS
    private const ushort JeqK = 0x15;     // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort JgeK = 0x35;     // BPF_JMP | BPF_JGE | BPF_K
    private const ushort RetK = 0x06;     // BPF_RET | BPF_K

    /// <summary>x86-64 system calls denied with EPERM (numbers from the kernel's syscall_64.tbl).</summary>
    public static IReadOnlyDictionary<string, uint> DeniedX8664 { get; } = new Dictionary<string, uint>
    {
        ["ptrace"] = 101, ["syslog"] = 103, ["vhangup"] = 153, ["pivot_root"] = 155, ["chroot"] = 161,
        ["acct"] = 163, ["mount"] = 165, ["umount2"] = 166, ["swapon"] = 167, ["swapoff"] = 168, ["reboot"] = 169,
        ["sethostname"] = 170, ["setdomainname"] = 171, ["iopl"] = 172, ["ioperm"] = 173, ["init_module"] = 175,
        ["delete_module"] = 176, ["quotactl"] = 179, ["lookup_dcookie"] = 212, ["kexec_load"] = 246,
        ["add_key"] = 248, ["request_key"] = 249, ["keyctl"] = 250, ["unshare"] = 272, ["perf_event_open"] = 298,
        ["name_to_handle_at"] = 303, ["open_by_handle_at"] = 304, ["setns"] = 308, ["process_vm_readv"] = 310,
        ["process_vm_writev"] = 311, ["finit_module"] = 313, ["kexec_file_load"] = 320, ["bpf"] = 321,
        ["userfaultfd"] = 323, ["io_uring_setup"] = 425, ["io_uring_enter"] = 426, ["io_uring_register"] = 427,
        ["open_tree"] = 428, ["move_mount"] = 429, ["fsopen"] = 430, ["fsconfig"] = 431, ["fsmount"] = 432,
        ["fspick"] = 433, ["mount_setattr"] = 442,
    };

    /// <summary>Whether a filter exists for this machine's architecture.</summary>
    public static bool IsSupported => RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The filter as the raw <c>struct sock_filter[]</c> bytes bubblewrap reads from its fd.</summary>
    public static byte[] BuildX8664()
    {
        var denied = DeniedX8664.Values.Order().ToArray();
        var program = new List<(ushort Code, byte Jt, byte Jf, uint K)>
        {
            (LdWAbs, 0, 0, 4),                    // A = seccomp_data.arch
            (JeqK, 1, 0, AuditArchX8664),         // x86-64? skip the kill
            (RetK, 0, 0, RetKillProcess),         // any other ABI (i386 via int 0x80) is refused outright
            (LdWAbs, 0, 0, 0),                    // A = seccomp_data.nr
        };

        // Layout after the loads: [x32 check][one jeq per denied call][ret allow][ret eperm].
        var denyIndex = program.Count + 1 + denied.Length + 1;
        program.Add((JgeK, (byte)(denyIndex - program.Count - 1), 0, X32SyscallBit));
        foreach (var nr in denied)
        {
            program.Add((JeqK, (byte)(denyIndex - program.Count - 1), 0, nr));
        }

        program.Add((RetK, 0, 0, RetAllow));
        program.Add((RetK, 0, 0, RetErrnoEperm));

        var bytes = new byte[program.Count * 8];
        for (var i = 0; i < program.Count; i++)
        {
            var (code, jt, jf, k) = program[i];
            var slot = bytes.AsSpan(i * 8, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(slot, code);
            slot[2] = jt;
            slot[3] = jf;
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], k);
        }

        return bytes;
    }
}
