using System.Formats.Tar;
using System.Text;
using EvoR.Sandbox.Backends;
using static System.FormattableString;

namespace EvoR.Sandbox.Execution;

/// <summary>
/// A request's files and arguments. The files go into the sandbox as one read-only archive in <c>/app</c> (a plain
/// file name, so both backends and their gates carry it as any other file) that a helper unpacks into the working
/// folder <c>/work</c> (the program's own size-limited scratch tmpfs and current directory) just before the program
/// starts. The archive is built here from validated names and holds only regular files and their folders, so no name
/// can reach outside <c>/work</c> and no link can be planted.
/// </summary>
internal static class WorkingFolder
{
    /// <summary>The archive's name in <c>/app</c>.</summary>
    public const string ArchiveName = "evor-work.tar";

    private const int MaxSegmentBytes = 255;
    private const int MaxNameBytes = 1024;
    private const int MiB = 1024 * 1024;

    /// <summary>Unpacks the archive into <c>/work</c>, then becomes the program (its arguments follow). The shell exports
    /// PWD to its children; the program's environment is the allow-list only, so it is unset first.</summary>
    private const string UnpackScript =
        "tar -x -f /app/" + ArchiveName + " -C /work --no-same-owner --warning=no-timestamp && unset PWD OLDPWD && exec \"$@\"";

    /// <summary>Processes the unpacking needs besides the program: the <c>tar</c> child of the shell that becomes it.</summary>
    public const int HelperProcesses = 1;

    /// <summary>Checks a request's files and returns their bytes in order.</summary>
    /// <exception cref="ExecutionRequestException">A name, an encoding or a size is not allowed; the field names it.</exception>
    public static IReadOnlyList<(string Name, byte[] Content)> Validate(
        IReadOnlyList<ExecutionFile>? files, SandboxOptions options, ExecutionLimits limits)
    {
        if (files is null || files.Count == 0)
        {
            return [];
        }

        if (files.Count > options.MaxFiles)
        {
            throw new ExecutionRequestException(RequestErrorKind.PayloadTooLarge,
                Invariant($"{files.Count} files; the limit is {options.MaxFiles} (Sandbox:MaxFiles)."), "files");
        }

        var decoded = new List<(string, byte[])>(files.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var folders = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i] ?? throw Invalid(Invariant($"files[{i}]"), "A file needs a name and content.");
            var field = Invariant($"files[{i}]");
            if (NameProblem(file.Name) is { } problem)
            {
                throw Invalid(field + ".name", $"File name '{file.Name}' {problem}");
            }

            var content = Decode(file, field);
            if (content.Length > options.MaxFileBytes || content.Length > (long)limits.FileSizeMb * MiB)
            {
                throw new ExecutionRequestException(RequestErrorKind.PayloadTooLarge,
                    Invariant($"File '{file.Name}' is {content.Length} bytes; the limit is {Math.Min(options.MaxFileBytes, (long)limits.FileSizeMb * MiB)} (Sandbox:MaxFileBytes, limits.fileSizeMb)."),
                    field + ".content");
            }

            total += content.Length;
            var parents = Parents(file.Name).ToList();
            if (!names.Add(file.Name) || folders.Contains(file.Name) || parents.Any(names.Contains))
            {
                throw Invalid(field + ".name", $"File name '{file.Name}' is given twice, or is both a file and a folder.");
            }

            folders.UnionWith(parents);
            decoded.Add((file.Name, content));
        }

        if (total > options.MaxTotalFileBytes)
        {
            throw new ExecutionRequestException(RequestErrorKind.PayloadTooLarge,
                Invariant($"The files are {total} bytes together; the limit is {options.MaxTotalFileBytes} (Sandbox:MaxTotalFileBytes)."), "files");
        }

        // The working folder is the scratch tmpfs: the files must leave the program room in it (and /app holds the
        // archive within the same size behind the Docker gate).
        if (total > (long)limits.ScratchMb * MiB / 2)
        {
            throw new ExecutionRequestException(RequestErrorKind.PayloadTooLarge,
                Invariant($"The files are {total} bytes together; the working folder holds {limits.ScratchMb} MiB (limits.scratchMb) and the files may take at most half of it."),
                "files");
        }

        return decoded;
    }

    /// <summary>Checks the program's arguments.</summary>
    /// <exception cref="ExecutionRequestException">Too many, too long, or one holds a NUL.</exception>
    public static void ValidateArguments(IReadOnlyList<string>? arguments, SandboxOptions options)
    {
        if (arguments is null)
        {
            return;
        }

        if (arguments.Count > options.MaxArguments)
        {
            throw new ExecutionRequestException(RequestErrorKind.PayloadTooLarge,
                Invariant($"{arguments.Count} arguments; the limit is {options.MaxArguments} (Sandbox:MaxArguments)."), "arguments");
        }

        long bytes = 0;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] is null || arguments[i].Contains('\0', StringComparison.Ordinal))
            {
                throw Invalid(Invariant($"arguments[{i}]"), "An argument is a string without NUL characters.");
            }

            bytes += Encoding.UTF8.GetByteCount(arguments[i]);
        }

        if (bytes > options.MaxArgumentBytes)
        {
            throw new ExecutionRequestException(RequestErrorKind.PayloadTooLarge,
                Invariant($"The arguments are {bytes} bytes together; the limit is {options.MaxArgumentBytes} (Sandbox:MaxArgumentBytes)."), "arguments");
        }
    }

    /// <summary>Why a name is refused (a sentence's end), or null when it is a relative path of plain segments.</summary>
    public static string? NameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is empty.";
        }

        if (name.StartsWith('/'))
        {
            return "is absolute; names are relative to the working folder.";
        }

        if (name.Any(c => char.IsControl(c) || c == '\\'))
        {
            return "holds a control character or a backslash.";
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            return Invariant($"is longer than {MaxNameBytes} bytes.");
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return "has an empty, '.' or '..' segment; names are plain relative paths.";
            }

            if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
            {
                return Invariant($"has a segment longer than {MaxSegmentBytes} bytes.");
            }
        }

        return null;
    }

    /// <summary>The archive of the files: their folders (0755) first, then each file (0644).</summary>
    public static SandboxFile Archive(IReadOnlyList<(string Name, byte[] Content)> files)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            var stamp = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
            foreach (var folder in files.SelectMany(f => Parents(f.Name)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, folder + "/")
                {
                    Mode = (UnixFileMode)0b111_101_101,
                    ModificationTime = stamp,
                });
            }

            foreach (var (name, content) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    Mode = (UnixFileMode)0b110_100_100,
                    ModificationTime = stamp,
                    DataStream = new MemoryStream(content, writable: false),
                });
            }
        }

        return new SandboxFile(ArchiveName, buffer.ToArray());
    }

    /// <summary>The run command that unpacks the archive first, then runs <paramref name="command"/>.</summary>
    public static IReadOnlyList<string> Unpacking(IReadOnlyList<string> command) =>
        ["/bin/sh", "-c", UnpackScript, "evor-files", .. command];

    private static IEnumerable<string> Parents(string name)
    {
        for (var slash = name.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = name.IndexOf('/', slash + 1))
        {
            yield return name[..slash];
        }
    }

    private static byte[] Decode(ExecutionFile file, string field)
    {
        switch (file.Encoding ?? ExecutionFile.Utf8)
        {
            case ExecutionFile.Utf8:
                return Encoding.UTF8.GetBytes(file.Content ?? "");
            case ExecutionFile.Base64:
                try
                {
                    return Convert.FromBase64String(file.Content ?? "");
                }
                catch (FormatException)
                {
                    throw Invalid(field + ".content", $"The content of '{file.Name}' is not valid base64.");
                }

            default:
                throw Invalid(field + ".encoding", $"Encoding '{file.Encoding}' is not one of 'utf8', 'base64'.");
        }
    }

    private static ExecutionRequestException Invalid(string field, string message) =>
        new(RequestErrorKind.InvalidRequest, message, field);
}
