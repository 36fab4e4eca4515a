using System.Text;

namespace EvoR.Sandbox.Tests.Support;

/// <summary>
/// Finds host processes by a marker that hostile programs put in their name (prctl comm, inherited by forks) or their
/// argv (exec'd children), so a test can prove that nothing of its job survived (the MultiPL-E pattern).
/// </summary>
public static class HostProcesses
{
    /// <summary>A fresh marker of 15 characters (the most a comm name holds).</summary>
    public static string NewMarker() => "evr" + Guid.NewGuid().ToString("N")[..12];

    public static IReadOnlyList<int> WithMarker(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var comm = File.ReadAllText(Path.Combine(dir, "comm"));
                var cmdline = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "cmdline")));
                if (comm.Contains(marker, StringComparison.Ordinal) || cmdline.Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Exited while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>Python that renames this process (and so every fork of it) to the marker.</summary>
    public static string PythonRename(string marker) => $$"""
        import ctypes
        ctypes.CDLL(None).prctl(15, b"{{marker}}", 0, 0, 0)
        """;
}
