using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace EvoR.Pipeline.Embeddings.Quantization;

/// <summary>
/// The int8 model for an fp32 one, made once by <see cref="Int8ModelQuantizer"/> and kept on disk under a name made of
/// the fp32 model's SHA-256, the quantizer version and the weight range, so a new model, a changed quantizer or another
/// CPU family never reuses a stale file. Files are written to a temporary name and renamed, so a reader never sees half
/// a model; when the folder cannot be written the model is quantised in memory on every start instead.
/// </summary>
internal static class QuantizedModelStore
{
    /// <summary>Default folder: <c>evor-models</c> under the system temporary folder.</summary>
    public static string DefaultDirectory => Path.Combine(Path.GetTempPath(), "evor-models");

    /// <summary>
    /// Whether weights need the 7-bit range: x64 without VNNI (AVX-VNNI or AVX-512 VNNI) multiplies uint8 activations by
    /// int8 weights with VPMADDUBSW, whose int16 pair sums saturate with full-range weights.
    /// </summary>
    public static bool NeedsReducedRange =>
        RuntimeInformation.ProcessArchitecture == Architecture.X64 && !(AvxVnni.IsSupported || HasAvx512Vnni());

    public static byte[] GetOrCreate(byte[] fp32Model, string? directory, ILogger logger, out string path)
    {
        var reduceRange = NeedsReducedRange;
        var hash = Convert.ToHexStringLower(SHA256.HashData(fp32Model))[..16];
        path = Path.Combine(directory ?? DefaultDirectory, $"{hash}-int8-v{Int8ModelQuantizer.Version}{(reduceRange ? "-7bit" : string.Empty)}.onnx");
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }

        var started = Stopwatch.GetTimestamp();
        var model = Int8ModelQuantizer.Quantize(fp32Model, reduceRange, out var summary);
        EmbeddingLog.ModelQuantized(logger, summary.MatMulsQuantized, summary.WeightBytesBefore, summary.WeightBytesAfter, reduceRange ? 7 : 8, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temporary, model);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            EmbeddingLog.QuantizedModelNotCached(logger, path, ex);
            TryDelete(temporary);
        }

        return model;
    }

    /// <summary>CPUID leaf 7, ECX bit 11: AVX512_VNNI (not exposed as an intrinsics class of its own).</summary>
    private static bool HasAvx512Vnni() => X86Base.IsSupported && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the temporary file is only litter.
        }
    }
}
