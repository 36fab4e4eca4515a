using System.Globalization;
using System.Text;
using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Process;

/// <summary>
/// Keeps a few sandboxes set up ahead of time for each recently used run profile, so a run pays only for starting the
/// program. A warm sandbox has never run anything and serves exactly one run. Profiles beyond the newest
/// <c>maxProfiles</c> are dropped with their sandboxes.
/// </summary>
internal sealed class WarmSandboxPool(int perProfile, int maxProfiles, Func<PreparedSandbox, Task> discard) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Profile> _profiles = new(StringComparer.Ordinal);
    private long _clock;
    private bool _disposed;

    /// <summary>
    /// Runs that can share a warm sandbox: same command, environment, mounts (libraries included) and spawn-time limits (rlimits, tmpfs
    /// sizes; memory too when it is an rlimit). Memory and process counts in cgroups, the wall timer and the output
    /// caps are applied at start, so they do not split the pool.
    /// </summary>
    public static string KeyOf(SandboxRunSpec spec, ProcessHostState state, IReadOnlyList<string>? warmRunner)
    {
        var l = spec.Limits;
        var key = new StringBuilder();
        foreach (var part in (warmRunner ?? spec.Command).Append("\u0001")
            .Concat(spec.Environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + e.Value))
            .Append("\u0001").Concat(spec.HostPaths)
            .Append("\u0001").Concat(spec.Libraries.Select(library => library.Name + "=" + library.HostPath)))
        {
            key.Append(part).Append('\u0000');
        }

        key.Append(CultureInfo.InvariantCulture, $"{l.CpuTimeMs}/{l.FileSizeMb}/{l.OpenFiles}/{l.ScratchMb}/{(state.Cgroups is null ? l.MemoryMb : 0)}");
        return key.ToString();
    }

    public PreparedSandbox? TryTake(string key)
    {
        lock (_lock)
        {
            return _profiles.TryGetValue(key, out var profile) && profile.Ready.TryDequeue(out var sandbox) ? sandbox : null;
        }
    }

    /// <summary>Starts preparing sandboxes in the background until the profile has <c>perProfile</c> ready or coming.</summary>
    public void Refill(string key, Func<PreparedSandbox> prepare)
    {
        List<PreparedSandbox> evicted = [];
        int missing;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (!_profiles.TryGetValue(key, out var profile))
            {
                profile = new Profile();
                _profiles[key] = profile;
                if (_profiles.Count > maxProfiles)
                {
                    var oldest = _profiles.MinBy(p => p.Value.LastUsed);
                    _profiles.Remove(oldest.Key);
                    evicted.AddRange(oldest.Value.Ready);
                }
            }

            profile.LastUsed = ++_clock;
            missing = perProfile - profile.Ready.Count - profile.Pending;
            profile.Pending += Math.Max(missing, 0);
        }

        foreach (var sandbox in evicted)
        {
            _ = discard(sandbox);
        }

        for (var i = 0; i < missing; i++)
        {
            _ = Task.Run(() => AddAsync(key, prepare));
        }
    }

    private async Task AddAsync(string key, Func<PreparedSandbox> prepare)
    {
        PreparedSandbox? sandbox = null;
        try
        {
            sandbox = prepare();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // The next run prepares its own sandbox and reports the fault as a verdict.
        }

        var keep = false;
        lock (_lock)
        {
            if (_profiles.TryGetValue(key, out var profile))
            {
                profile.Pending--;
                if (sandbox is not null && !_disposed)
                {
                    profile.Ready.Enqueue(sandbox);
                    keep = true;
                }
            }
        }

        if (!keep && sandbox is not null)
        {
            await discard(sandbox);
        }
    }

    /// <summary>SIGKILLs every warm sandbox without waiting (synchronous shutdown).</summary>
    public void KillAll()
    {
        foreach (var sandbox in Drain())
        {
            try
            {
                sandbox.Process.Kill();
            }
            catch (InvalidOperationException)
            {
            }

            sandbox.Cgroup?.KillAll();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Drain().Select(discard));
    }

    private List<PreparedSandbox> Drain()
    {
        lock (_lock)
        {
            _disposed = true;
            var all = _profiles.Values.SelectMany(p => p.Ready).ToList();
            _profiles.Clear();
            return all;
        }
    }

    private sealed class Profile
    {
        public Queue<PreparedSandbox> Ready { get; } = new();
        public int Pending { get; set; }
        public long LastUsed { get; set; }
    }
}
