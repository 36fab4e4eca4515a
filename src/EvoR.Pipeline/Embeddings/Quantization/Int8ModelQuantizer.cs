using System.Buffers.Binary;
using System.Numerics.Tensors;
using EvoR.Pipeline.Embeddings.Quantization.Onnx;
using Google.Protobuf;

namespace EvoR.Pipeline.Embeddings.Quantization;

/// <summary>What <see cref="Int8ModelQuantizer"/> did to a model.</summary>
public sealed record QuantizationSummary(int MatMulsQuantized, int BiasesFused, long WeightBytesBefore, long WeightBytesAfter);

/// <summary>
/// Dynamic int8 quantisation of an ONNX model, in C# so that neither the build nor the service needs Python (the
/// Python quantizer of ONNX Runtime is not installable here, and a Python step would be one more toolchain for every
/// deployment). Every <c>MatMul</c> whose second input is a constant 2-D float weight becomes a
/// <c>com.microsoft.DynamicQuantizeMatMul</c>: the weight is stored as symmetric int8 with one scale per output column,
/// the activation is quantised to uint8 per call by ONNX Runtime, and a following <c>Add</c> of a constant bias is
/// folded into the node. Everything else (embeddings, LayerNorm, attention scores, softmax) stays float.
/// </summary>
public static class Int8ModelQuantizer
{
    /// <summary>Bumped whenever the output for the same input changes; part of the on-disk cache key.</summary>
    public const int Version = 1;

    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>
    /// Quantises <paramref name="model"/>. With <paramref name="reduceRange"/> weights use 7 bits ([-63, 63]): x86 CPUs
    /// without VNNI multiply uint8 by int8 with an instruction (VPMADDUBSW) that saturates pairs of full-range products.
    /// </summary>
    public static byte[] Quantize(byte[] model, bool reduceRange, out QuantizationSummary summary)
    {
        ArgumentNullException.ThrowIfNull(model);
        var proto = ModelProto.Parser.ParseFrom(model);
        var graph = proto.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }

                list.Add(node);
            }
        }

        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var graphInputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var removed = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var replacements = new Dictionary<NodeProto, NodeProto>(ReferenceEqualityComparer.Instance);
        var quantized = 0;
        var fused = 0;
        long before = 0;
        long after = 0;
        var qmax = reduceRange ? 63 : 127;
        foreach (var node in graph.Node)
        {
            // A weight that is also a graph input can be overridden at run time, so it is not a constant.
            if (node.OpType != "MatMul" || node.Domain.Length > 0 || node.Input.Count != 2
                || !initializers.TryGetValue(node.Input[1], out var weight) || graphInputs.Contains(weight.Name)
                || weight.DataType != (int)TensorProto.Types.DataType.Float || weight.Dims.Count != 2)
            {
                continue;
            }

            var columns = checked((int)weight.Dims[1]);
            var baseName = weight.Name + "_int8";
            if (done.Add(weight.Name))
            {
                var rows = checked((int)weight.Dims[0]);
                var values = ReadFloats(weight);
                var (data, scales) = QuantizePerColumn(values, rows, columns, qmax);
                graph.Initializer.Add(new TensorProto
                {
                    Name = baseName,
                    DataType = (int)TensorProto.Types.DataType.Int8,
                    Dims = { rows, columns },
                    RawData = ByteString.CopyFrom((byte[])(Array)data),
                });
                graph.Initializer.Add(FloatTensor(baseName + "_scale", scales));
                before += values.Length * sizeof(float);
                after += data.Length + (scales.Length * sizeof(float));
            }

            var replacement = new NodeProto
            {
                Name = node.Name + "_int8",
                OpType = "DynamicQuantizeMatMul",
                Domain = MicrosoftDomain,
                Input = { node.Input[0], baseName, baseName + "_scale" },
                Output = { node.Output[0] },
            };

            // MatMul → Add(constant bias of one value per column): the bias becomes the node's fifth input.
            var output = node.Output[0];
            if (!graphOutputs.Contains(output) && consumers.TryGetValue(output, out var next) && next.Count == 1
                && next[0] is { OpType: "Add", Domain.Length: 0, Input.Count: 2 } add)
            {
                var biasName = add.Input[0] == output ? add.Input[1] : add.Input[0];
                if (initializers.TryGetValue(biasName, out var bias) && bias.DataType == (int)TensorProto.Types.DataType.Float
                    && bias.Dims.Count == 1 && bias.Dims[0] == columns)
                {
                    replacement.Input.Add(string.Empty); // no zero point: the weights are symmetric
                    replacement.Input.Add(biasName);
                    replacement.Output[0] = add.Output[0];
                    removed.Add(add);
                    fused++;
                }
            }

            replacements[node] = replacement;
            quantized++;
        }

        var nodes = graph.Node.Where(n => !removed.Contains(n)).Select(n => replacements.GetValueOrDefault(n, n)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        RemoveUnused(graph);
        if (quantized > 0 && proto.OpsetImport.All(o => o.Domain != MicrosoftDomain))
        {
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        summary = new QuantizationSummary(quantized, fused, before, after);
        return proto.ToByteArray();
    }

    /// <summary>Symmetric int8 per column: <c>w[r, c] ≈ q[r, c] · scale[c]</c>, <c>scale[c] = max|w[·, c]| / qmax</c>.</summary>
    internal static (sbyte[] Data, float[] Scales) QuantizePerColumn(float[] weights, int rows, int columns, int qmax)
    {
        var max = new float[columns];
        for (var r = 0; r < rows; r++)
        {
            var row = weights.AsSpan(r * columns, columns);
            for (var c = 0; c < columns; c++)
            {
                max[c] = MathF.Max(max[c], MathF.Abs(row[c]));
            }
        }

        var scales = new float[columns];
        var inverse = new float[columns];
        for (var c = 0; c < columns; c++)
        {
            scales[c] = max[c] > 0 ? max[c] / qmax : 1f;
            inverse[c] = 1f / scales[c];
        }

        var data = new sbyte[weights.Length];
        var scaled = new float[columns];
        for (var r = 0; r < rows; r++)
        {
            TensorPrimitives.Multiply(weights.AsSpan(r * columns, columns), inverse, scaled);
            for (var c = 0; c < columns; c++)
            {
                data[(r * columns) + c] = (sbyte)Math.Clamp(MathF.Round(scaled[c], MidpointRounding.ToEven), -qmax, qmax);
            }
        }

        return (data, scales);
    }

    private static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new NotSupportedException($"Weight {tensor.Name} is stored outside the model file; only self-contained models can be quantised (set Embeddings:Precision to fp32 for this model).");
        }

        if (tensor.FloatData.Count > 0)
        {
            return [.. tensor.FloatData];
        }

        var raw = tensor.RawData.Span;
        var values = new float[raw.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
        }

        return values;
    }

    private static TensorProto FloatTensor(string name, float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            Dims = { values.Length },
            RawData = ByteString.CopyFrom(bytes),
        };
    }

    private static Dictionary<string, int> CountUses(GraphProto graph)
    {
        var uses = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in graph.Node.SelectMany(n => n.Input))
        {
            uses[input] = uses.GetValueOrDefault(input) + 1;
        }

        return uses;
    }

    /// <summary>Drops initializers (and their graph-input entries, which older exporters write) that no node reads any more.</summary>
    private static void RemoveUnused(GraphProto graph)
    {
        var used = CountUses(graph);
        foreach (var output in graph.Output)
        {
            used[output.Name] = 1;
        }

        var dead = graph.Initializer.Where(t => !used.ContainsKey(t.Name)).ToList();
        foreach (var tensor in dead)
        {
            graph.Initializer.Remove(tensor);
        }

        var deadNames = dead.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in graph.Input.Where(i => deadNames.Contains(i.Name)).ToList())
        {
            graph.Input.Remove(input);
        }
    }
}
