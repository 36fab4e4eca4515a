using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Process;

/// <summary>A started sandbox whose stub waits for the go line; used for exactly one run, then discarded.</summary>
internal sealed record PreparedSandbox(string RunDir, string StatusPath, CgroupV1Scope? Cgroup, System.Diagnostics.Process Process)
{
    /// <summary>Held while a sandbox process is started and while an executable file is written: a process forked
    /// meanwhile (the warm pool refills in the background) holds a copy of the write handle until it execs, and executing
    /// a file open for writing fails with ETXTBSY.</summary>
    public static readonly Lock ForkGate = new();

    private static readonly byte[] GoLine = "\n"u8.ToArray();

    /// <summary>Host folder bound read-only at <c>/app</c>; files written here before the go line are the program's.</summary>
    public string AppDir => Path.Combine(RunDir, "app");

    /// <summary>Writes the run's files into <see cref="AppDir"/>, readable (executable where marked) by the sandbox.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task WriteFilesAsync(IReadOnlyList<SandboxFile> files, CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            var path = Path.Combine(AppDir, SafeFileName(file.Name));
            if (!file.Executable)
            {
                await File.WriteAllBytesAsync(path, file.Content, cancellationToken);
                File.SetUnixFileMode(path, ProcessHostSetup.Readable);
                continue;
            }

            lock (ForkGate)
            {
                File.WriteAllBytes(path, file.Content);
            }

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>Writes the go line, then the program's stdin, then closes it.</summary>
    public async Task WriteStdinAsync(byte[]? input)
    {
        var stdin = Process.StandardInput.BaseStream;
        try
        {
            await stdin.WriteAsync(GoLine);
            await stdin.FlushAsync();
            if (input is { Length: > 0 })
            {
                await stdin.WriteAsync(input);
            }
        }
        catch (IOException)
        {
            // The program exited or closed stdin without reading it all: not our concern.
        }
        finally
        {
            try
            {
                await stdin.DisposeAsync();
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Kills the sandbox: SIGKILL to the outer bubblewrap takes the pid namespace down (its init has
    /// PDEATHSIG), far faster than a walk of the process tree while a fork bomb keeps growing it; the cgroup sweep
    /// catches the rest.</summary>
    public void Kill()
    {
        try
        {
            if (!Process.HasExited)
            {
                _ = NativeMethods.Kill(Process.Id, NativeMethods.SigKill);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited and reaped.
        }

        Cgroup?.KillAll();
    }

    private static string SafeFileName(string name) =>
        name.Length > 0 && name.IndexOfAny(['/', '\0']) < 0 && name is not "." and not ".."
            ? name
            : throw new ArgumentException($"'{name}' is not a plain file name.", nameof(name));
}
