using System.Globalization;
using System.Text;
using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// What the service writes to a gated container's stdin (<see cref="ContainerSpec.GateScript"/>, <see cref="PythonGate"/>):
/// the run's files, then the program's stdin. Sending the files this way spares a run the archive API, whose extraction into a running
/// container costs the engine a bind mount of the volume and a re-executed helper process (the largest part of a
/// trivial run's time), and one round trip.
/// </summary>
internal static class GateInput
{
    private const long MiB = 1024 * 1024;
    private const long Page = 4096;

    /// <summary>Whether the gate can place these files: none executable (the gate's <c>/app</c> is noexec), plain names
    /// without a newline (one line each in the header), each within the file-size rlimit that <c>head</c> writes under,
    /// all within the <c>/app</c> tmpfs (scratch size).</summary>
    public static bool Fits(IReadOnlyList<SandboxFile> files, ExecutionLimits limits)
    {
        long pages = 0;
        foreach (var file in files)
        {
            if (file.Executable || !IsPlainName(file.Name) || file.Name.Contains('\n', StringComparison.Ordinal)
                || file.Content.Length > limits.FileSizeMb * MiB)
            {
                return false;
            }

            pages += (file.Content.Length + Page - 1) / Page;
        }

        return pages * Page <= limits.ScratchMb * MiB;
    }

    /// <summary>The header and files the gate reads before the program starts (the program's stdin follows them): a line
    /// with the number of files, then per file a line with its size, a line with its name and its bytes.</summary>
    public static byte[] Build(IReadOnlyList<SandboxFile> files)
    {
        using var buffer = new MemoryStream();
        Line(buffer, files.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var file in files)
        {
            if (file.Executable || !IsPlainName(file.Name) || file.Name.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{file.Name}' cannot go through the gate (executable, or not a plain file name).", nameof(files));
            }

            Line(buffer, file.Content.Length.ToString(CultureInfo.InvariantCulture));
            Line(buffer, file.Name);
            buffer.Write(file.Content);
        }

        return buffer.ToArray();
    }

    /// <summary>A name that is one path component: not empty, no slash or NUL, not <c>.</c> or <c>..</c>.</summary>
    public static bool IsPlainName(string name) =>
        name.Length > 0 && name.IndexOfAny(['/', '\0']) < 0 && name is not "." and not "..";

    private static void Line(MemoryStream buffer, string text)
    {
        buffer.Write(Encoding.UTF8.GetBytes(text));
        buffer.WriteByte((byte)'\n');
    }
}
