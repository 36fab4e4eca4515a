using System.Formats.Tar;
using System.IO.Compression;

namespace EvoR.Pipeline.Knowledge;

/// <summary>Kinds of archive an upload may be.</summary>
public enum ArchiveKind
{
    Zip,

    /// <summary>A tar file, gzip-compressed (<c>.tar.gz</c>, <c>.tgz</c>).</summary>
    TarGz,

    Tar,
}

/// <summary>
/// The regular files of a zip or (gzip-compressed) tar archive, within limits: at most <c>maxFiles</c> files and
/// <c>maxBytes</c> bytes unpacked in all (an archive bomb stops at the limit, whatever its headers claim). Folders,
/// links and devices are skipped; paths are normalised by <see cref="DocumentFiles.NormalisePath"/> later.
/// </summary>
public static class DocumentArchive
{
    /// <summary>The archive kind of a file name or media type, or null.</summary>
    public static ArchiveKind? KindOf(string? fileNameOrMediaType)
    {
        var value = fileNameOrMediaType?.Trim().ToLowerInvariant();
        return value switch
        {
            null or "" => null,
            _ when value.EndsWith(".zip", StringComparison.Ordinal) || value is "application/zip" or "application/x-zip-compressed" => ArchiveKind.Zip,
            _ when value.EndsWith(".tar.gz", StringComparison.Ordinal) || value.EndsWith(".tgz", StringComparison.Ordinal)
                   || value is "application/gzip" or "application/x-gzip" or "application/x-compressed-tar" or "application/x-gtar" => ArchiveKind.TarGz,
            _ when value.EndsWith(".tar", StringComparison.Ordinal) || value is "application/x-tar" => ArchiveKind.Tar,
            _ => null,
        };
    }

    /// <exception cref="KnowledgeException">Not a readable archive of that kind (400), or over a limit (413).</exception>
    public static async Task<IReadOnlyList<UploadedFile>> ReadAsync(
        Stream archive, ArchiveKind kind, int maxFiles, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var files = new List<UploadedFile>();
        var budget = new Budget(maxFiles, maxBytes);
        try
        {
            if (kind == ArchiveKind.Zip)
            {
                // A zip's directory is at its end: read the upload into memory first (it is within the request limit).
                var buffer = new MemoryStream();
                await archive.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                buffer.Position = 0;
                using var zip = new ZipArchive(buffer, ZipArchiveMode.Read);
                foreach (var entry in zip.Entries.Where(e => !e.FullName.EndsWith('/')))
                {
                    budget.Count(entry.FullName);
                    await using var stream = entry.Open();
                    files.Add(new UploadedFile(entry.FullName, await budget.ReadAsync(stream, entry.FullName, cancellationToken).ConfigureAwait(false)));
                }
            }
            else
            {
                await using var gzip = kind == ArchiveKind.TarGz ? new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true) : null;
                using var tar = new TarReader(gzip ?? archive, leaveOpen: true);
                while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                    {
                        continue;
                    }

                    budget.Count(entry.Name);
                    files.Add(new UploadedFile(entry.Name, await budget.ReadAsync(entry.DataStream, entry.Name, cancellationToken).ConfigureAwait(false)));
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest,
                $"The upload is not a readable {Name(kind)} archive: {ex.Message}", "archive", ex);
        }

        return files;
    }

    private static string Name(ArchiveKind kind) => kind switch
    {
        ArchiveKind.Zip => "zip",
        ArchiveKind.TarGz => "tar.gz",
        _ => "tar",
    };

    private sealed class Budget(int maxFiles, long maxBytes)
    {
        private int _files;
        private long _bytes;

        public void Count(string path)
        {
            if (++_files > maxFiles)
            {
                throw new KnowledgeException(KnowledgeErrorKind.DocumentTooLarge,
                    $"The archive holds more than {maxFiles} files (Knowledge:MaxDocumentsPerRequest); '{path}' is one too many.", "archive");
            }
        }

        public async Task<byte[]> ReadAsync(Stream stream, string path, CancellationToken cancellationToken)
        {
            var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                _bytes += read;
                if (_bytes > maxBytes)
                {
                    throw new KnowledgeException(KnowledgeErrorKind.DocumentTooLarge,
                        $"The archive unpacks to more than {maxBytes} bytes (Knowledge:MaxUploadBytes), reached at '{path}'.", "archive");
                }

                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
    }
}
