using System.Security.Cryptography;
using EvoR.Pipeline.Embeddings.Quantization;
using Microsoft.Extensions.Logging.Abstractions;

namespace EvoR.Pipeline.Tests.Embeddings.Quantization;

public sealed class QuantizedModelStoreTests
{
    [Fact]
    public void GetOrCreate_FirstCall_WritesTheInt8ModelNamedByTheFp32Hash()
    {
        using var dir = new TempDirectory();
        var fp32 = Int8ModelQuantizerTests.TinyModel();

        var model = QuantizedModelStore.GetOrCreate(fp32, dir.Path, NullLogger.Instance, out var path);

        Assert.Equal(dir.Path, Path.GetDirectoryName(path));
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(fp32))[..16] + $"-int8-v{Int8ModelQuantizer.Version}", Path.GetFileName(path), StringComparison.Ordinal);
        Assert.Equal(model, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void GetOrCreate_SecondCall_ReadsTheFileInsteadOfQuantisingAgain()
    {
        using var dir = new TempDirectory();
        var fp32 = Int8ModelQuantizerTests.TinyModel();
        QuantizedModelStore.GetOrCreate(fp32, dir.Path, NullLogger.Instance, out var path);
        File.WriteAllBytes(path, [1, 2, 3]);

        var model = QuantizedModelStore.GetOrCreate(fp32, dir.Path, NullLogger.Instance, out var again);

        Assert.Equal(path, again);
        Assert.Equal([1, 2, 3], model);
    }

    [Fact]
    public void GetOrCreate_FolderCannotBeCreated_StillReturnsTheModel()
    {
        using var dir = new TempDirectory();
        var blocker = Path.Combine(dir.Path, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var fp32 = Int8ModelQuantizerTests.TinyModel();

        var model = QuantizedModelStore.GetOrCreate(fp32, Path.Combine(blocker, "models"), NullLogger.Instance, out _);

        Assert.Equal(Int8ModelQuantizer.Quantize(fp32, QuantizedModelStore.NeedsReducedRange, out _), model);
        Assert.Equal([blocker], Directory.GetFiles(dir.Path));
    }
}
