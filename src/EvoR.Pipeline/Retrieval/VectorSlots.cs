namespace EvoR.Pipeline.Retrieval;

/// <summary>
/// The storage of <see cref="VectorIndex"/>: each vector in a numbered slot of flat arrays (the float vector, its int8
/// copy with per-vector scale and element sum, its key and filter attributes), so a scan walks contiguous memory. A
/// removed key's slot goes on a free list and is reused by the next new key; its data stays but its attributes match
/// no filter. The arrays grow by doubling, so callers read them afresh after each write. Not thread-safe on its own:
/// <see cref="VectorIndex"/> calls it under its lock.
/// </summary>
internal sealed class VectorSlots(int dimensions)
{
    private readonly Dictionary<string, int> _slotByKey = new(StringComparer.Ordinal);
    private readonly Stack<int> _free = new();
    private float[] _vectors = [];
    private sbyte[] _quantized = [];
    private float[] _scales = [];
    private int[] _sums = [];
    private string?[] _keys = [];
    private VectorAttributes[] _attributes = [];

    public int Dimensions { get; } = dimensions;

    /// <summary>Keys stored now.</summary>
    public int Count => _slotByKey.Count;

    /// <summary>Slots ever handed out (the live ones and the free ones): a scan covers slots 0 to this.</summary>
    public int Used { get; private set; }

    /// <summary>Approximate memory held by the vectors, in bytes.</summary>
    public long Bytes => (long)_vectors.Length * sizeof(float) + _quantized.Length + (long)_scales.Length * sizeof(float);

    /// <summary>The float vectors, slot after slot (<see cref="Dimensions"/> each).</summary>
    public float[] Vectors => _vectors;

    /// <summary>The int8 copies, laid out as <see cref="Vectors"/>.</summary>
    public sbyte[] Quantized => _quantized;

    /// <summary>Per slot: the factor that turns an int8 dot product back into a float one.</summary>
    public float[] Scales => _scales;

    /// <summary>Per slot: the sum of its int8 elements (the unsigned VNNI dot product subtracts it back out).</summary>
    public int[] Sums => _sums;

    /// <summary>Per slot: its key, null when free.</summary>
    public string?[] Keys => _keys;

    public VectorAttributes[] Attributes => _attributes;

    /// <summary>Stores the vector under <paramref name="key"/> in the key's slot, or a new one.</summary>
    public void Upsert(string key, ReadOnlySpan<float> vector, VectorAttributes attributes)
    {
        if (!_slotByKey.TryGetValue(key, out var slot))
        {
            slot = _free.Count > 0 ? _free.Pop() : NextSlot();
            _slotByKey[key] = slot;
        }

        vector.CopyTo(_vectors.AsSpan(slot * Dimensions, Dimensions));
        _scales[slot] = VectorMath.Quantize(vector, _quantized.AsSpan(slot * Dimensions, Dimensions));
        _sums[slot] = VectorMath.Sum(_quantized.AsSpan(slot * Dimensions, Dimensions));
        _keys[slot] = key;
        _attributes[slot] = attributes;
    }

    public bool Remove(string key)
    {
        if (!_slotByKey.Remove(key, out var slot))
        {
            return false;
        }

        _keys[slot] = null;
        _attributes[slot] = new VectorAttributes(0, -1, -1);
        _free.Push(slot);
        return true;
    }

    public bool TryGetSlot(string key, out int slot) => _slotByKey.TryGetValue(key, out slot);

    private int NextSlot()
    {
        if (Used == _keys.Length)
        {
            var capacity = Math.Max(1024, _keys.Length * 2);
            Array.Resize(ref _vectors, capacity * Dimensions);
            Array.Resize(ref _quantized, capacity * Dimensions);
            Array.Resize(ref _scales, capacity);
            Array.Resize(ref _sums, capacity);
            Array.Resize(ref _keys, capacity);
            Array.Resize(ref _attributes, capacity);
        }

        return Used++;
    }
}
