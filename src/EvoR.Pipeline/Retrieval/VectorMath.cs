using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EvoR.Pipeline.Retrieval;

/// <summary>SIMD kernels for the dense index: float dot products (TensorPrimitives) and int8 quantisation.</summary>
internal static class VectorMath
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    /// <summary>Scales <paramref name="vector"/> to unit length in place (a zero vector stays zero).</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <summary>
    /// Symmetric per-vector int8 quantisation: <c>q = round(v · 127 / max|v|)</c>; returns the scale
    /// <c>max|v| / 127</c>, so <c>v ≈ q · scale</c> and <c>a·b ≈ (qa·qb) · scale_a · scale_b</c>.
    /// </summary>
    public static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> destination)
    {
        var max = TensorPrimitives.MaxMagnitude(vector);
        var abs = MathF.Abs(max);
        if (abs == 0)
        {
            destination.Clear();
            return 0;
        }

        var factor = 127f / abs;
        for (var i = 0; i < vector.Length; i++)
        {
            destination[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] * factor), -127, 127);
        }

        return abs / 127f;
    }

    /// <summary>Whether <see cref="DotUInt8Int8"/> runs on AVX-VNNI (one instruction per 32 byte pairs).</summary>
    public static bool HasVnni => AvxVnni.IsSupported;

    /// <summary>The sum of an int8 vector's components (the correction term of <see cref="DotUInt8Int8"/>).</summary>
    public static int Sum(ReadOnlySpan<sbyte> vector)
    {
        var sum = 0;
        foreach (var v in vector)
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>
    /// <c>Σ u·s</c> of a query shifted to unsigned (<c>u = q + 128</c>) and a stored int8 vector with AVX-VNNI
    /// (<c>vpdpbusd</c>); <c>q·s = Σ u·s − 128·Σ s</c>. Lengths must be equal multiples of 32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DotUInt8Int8(ReadOnlySpan<byte> queryUnsigned, ReadOnlySpan<sbyte> vector)
    {
        ref var rq = ref MemoryMarshal.GetReference(queryUnsigned);
        ref var rv = ref MemoryMarshal.GetReference(vector);
        var acc0 = Vector256<int>.Zero;
        var acc1 = Vector256<int>.Zero;
        var i = 0;
        for (; i + 64 <= vector.Length; i += 64)
        {
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, Vector256.LoadUnsafe(ref rq, (nuint)i), Vector256.LoadUnsafe(ref rv, (nuint)i));
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, Vector256.LoadUnsafe(ref rq, (nuint)(i + 32)), Vector256.LoadUnsafe(ref rv, (nuint)(i + 32)));
        }

        if (i < vector.Length)
        {
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, Vector256.LoadUnsafe(ref rq, (nuint)i), Vector256.LoadUnsafe(ref rv, (nuint)i));
        }

        return Vector256.Sum(Avx2.Add(acc0, acc1));
    }

    /// <summary>Exact integer dot product of two int8 vectors (AVX2 when available).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DotInt8(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        var i = 0;
        var total = 0;
        if (Avx2.IsSupported && a.Length >= 32)
        {
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rb = ref MemoryMarshal.GetReference(b);
            var acc0 = Vector256<int>.Zero;
            var acc1 = Vector256<int>.Zero;
            for (; i + 32 <= a.Length; i += 32)
            {
                var va = Vector256.LoadUnsafe(ref ra, (nuint)i);
                var vb = Vector256.LoadUnsafe(ref rb, (nuint)i);
                var aLo = Avx2.ConvertToVector256Int16(va.GetLower());
                var bLo = Avx2.ConvertToVector256Int16(vb.GetLower());
                var aHi = Avx2.ConvertToVector256Int16(va.GetUpper());
                var bHi = Avx2.ConvertToVector256Int16(vb.GetUpper());
                acc0 = Avx2.Add(acc0, Avx2.MultiplyAddAdjacent(aLo, bLo));
                acc1 = Avx2.Add(acc1, Avx2.MultiplyAddAdjacent(aHi, bHi));
            }

            total = Vector256.Sum(Avx2.Add(acc0, acc1));
        }

        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }
}
