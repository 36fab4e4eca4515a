using System.Globalization;

namespace EvoR.Sandbox.Process;

/// <summary>
/// Per-run memory and pids cgroups (v1 hierarchies, which are writable on our hosts). The memory cgroup sets swap
/// equal to memory so exhaustion is an OOM kill we can read back (<c>oom_kill</c>), not slow swapping; the pids cgroup
/// bounds fork bombs; both list every process of the run so none survives it.
/// </summary>
public sealed class CgroupV1(string mount, string parent)
{
    private string MemoryParent => Path.Combine(mount, "memory", parent);
    private string PidsParent => Path.Combine(mount, "pids", parent);

    /// <summary>Creates the parent cgroups; returns null when this host allows it, else the reason it does not.</summary>
    public async Task<string?> TryInitializeAsync(TimeProvider time)
    {
        try
        {
            foreach (var controller in new[] { "memory", "pids" })
            {
                var root = Path.Combine(mount, controller);
                if (!File.Exists(Path.Combine(root, "cgroup.procs")))
                {
                    return $"no cgroup v1 '{controller}' hierarchy at {root}";
                }
            }

            Directory.CreateDirectory(MemoryParent);
            Directory.CreateDirectory(PidsParent);
            // A child's pids.max is only enforced if it can be written; prove it once now.
            var probe = Create($"{Environment.ProcessId}-probe", memoryMb: 64, maxProcesses: 8);
            return await probe.RemoveAsync(time);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    public CgroupV1Scope Create(string name, int memoryMb, int maxProcesses)
    {
        var memory = Path.Combine(MemoryParent, name);
        var pids = Path.Combine(PidsParent, name);
        Directory.CreateDirectory(memory);
        Directory.CreateDirectory(pids);
        var scope = new CgroupV1Scope(memory, pids);
        try
        {
            var bytes = ((long)memoryMb * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(memory, "memory.limit_in_bytes"), bytes);
            var swap = Path.Combine(memory, "memory.memsw.limit_in_bytes");
            if (File.Exists(swap))
            {
                File.WriteAllText(swap, bytes);
            }

            File.WriteAllText(Path.Combine(pids, "pids.max"), maxProcesses.ToString(CultureInfo.InvariantCulture));
            return scope;
        }
        catch
        {
            // Fresh and empty: removal cannot block.
            Directory.Delete(memory);
            Directory.Delete(pids);
            throw;
        }
    }

    /// <summary>Names of run cgroups left under the parents (by a crash); the janitor removes them.</summary>
    public IEnumerable<CgroupV1Scope> Leftovers()
    {
        if (!Directory.Exists(MemoryParent))
        {
            yield break;
        }

        foreach (var dir in Directory.EnumerateDirectories(MemoryParent))
        {
            yield return new CgroupV1Scope(dir, Path.Combine(PidsParent, Path.GetFileName(dir)));
        }
    }
}

/// <summary>The cgroups of one run.</summary>
public sealed class CgroupV1Scope(string memoryPath, string pidsPath)
{
    /// <summary>The <c>cgroup.procs</c> files a launcher writes its own pid into before starting the sandbox.</summary>
    public IReadOnlyList<string> ProcsFiles { get; } =
        [Path.Combine(memoryPath, "cgroup.procs"), Path.Combine(pidsPath, "cgroup.procs")];

    public string MemoryPath => memoryPath;

    /// <summary>Sets the run's limits (a warm sandbox was created with a profile's). Memory+swap must never be below
    /// memory, so the order of the two writes depends on the direction of the change.</summary>
    public void SetLimits(int memoryMb, int maxProcesses)
    {
        var bytes = (long)memoryMb * 1024 * 1024;
        var limit = Path.Combine(memoryPath, "memory.limit_in_bytes");
        var swap = Path.Combine(memoryPath, "memory.memsw.limit_in_bytes");
        var text = bytes.ToString(CultureInfo.InvariantCulture);
        if (File.Exists(swap) && bytes > long.Parse(File.ReadAllText(swap).AsSpan().Trim(), CultureInfo.InvariantCulture))
        {
            File.WriteAllText(swap, text);
            File.WriteAllText(limit, text);
        }
        else
        {
            File.WriteAllText(limit, text);
            if (File.Exists(swap))
            {
                File.WriteAllText(swap, text);
            }
        }

        File.WriteAllText(Path.Combine(pidsPath, "pids.max"), maxProcesses.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Whether the kernel OOM-killed anything in this run.</summary>
    public bool OomKilled()
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(memoryPath, "memory.oom_control")))
            {
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal)
                    && long.Parse(line.AsSpan(9), CultureInfo.InvariantCulture) > 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
        }

        return false;
    }

    /// <summary>Pids still in the run's cgroups.</summary>
    public IReadOnlyList<int> Pids()
    {
        var pids = new HashSet<int>();
        foreach (var file in ProcsFiles)
        {
            try
            {
                foreach (var line in File.ReadLines(file))
                {
                    if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    {
                        pids.Add(pid);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return [.. pids];
    }

    /// <summary>SIGKILLs every process of the run (stopped ones too: SIGKILL needs no cooperation).</summary>
    public void KillAll()
    {
        foreach (var pid in Pids())
        {
            _ = NativeMethods.Kill(pid, NativeMethods.SigKill);
        }
    }

    /// <summary>Kills members until none is left, or until <paramref name="limit"/> has passed.</summary>
    public async Task WaitEmptyAsync(TimeProvider time, TimeSpan limit)
    {
        var started = time.GetTimestamp();
        while (Pids().Count > 0 && time.GetElapsedTime(started) < limit)
        {
            KillAll();
            await Task.Delay(TimeSpan.FromMilliseconds(5), time);
        }
    }

    /// <summary>Kills what is left, waits for the cgroups to empty, removes them. Returns an error or null.</summary>
    public async Task<string?> RemoveAsync(TimeProvider time)
    {
        string? error = null;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            KillAll();
            try
            {
                foreach (var dir in new[] { memoryPath, pidsPath })
                {
                    if (Directory.Exists(dir))
                    {
                        Directory.Delete(dir);
                    }
                }

                return null;
            }
            catch (IOException e)
            {
                // EBUSY while killed processes are still being reaped.
                error = e.Message;
                await Task.Delay(TimeSpan.FromMilliseconds(20), time);
            }
        }

        return error;
    }
}
