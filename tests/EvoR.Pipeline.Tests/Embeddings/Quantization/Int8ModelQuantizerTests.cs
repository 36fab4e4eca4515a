using EvoR.Pipeline.Embeddings.Quantization;
using EvoR.Pipeline.Embeddings.Quantization.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EvoR.Pipeline.Tests.Embeddings.Quantization;

public sealed class Int8ModelQuantizerTests
{
    private const int K = 96;
    private const int N = 40;

    [Fact]
    public void Quantize_ConstantWeightMatMulWithBias_BecomesOneInt8NodeWithTheBiasFolded()
    {
        var quantized = ModelProto.Parser.ParseFrom(Int8ModelQuantizer.Quantize(TinyModel(), reduceRange: false, out var summary));

        Assert.Equal((1, 1), (summary.MatMulsQuantized, summary.BiasesFused));
        var ops = quantized.Graph.Node.Select(n => $"{n.Domain}:{n.OpType}").ToList();
        Assert.Equal(["com.microsoft:DynamicQuantizeMatMul", ":MatMul"], ops);
        Assert.Equal("bias", quantized.Graph.Node[0].Input[^1]);
        Assert.Equal("Y", quantized.Graph.Node[0].Output[0]);
        Assert.DoesNotContain(quantized.Graph.Initializer, t => t.Name == "W");
        Assert.Contains(quantized.OpsetImport, o => o.Domain == "com.microsoft");
        Assert.True(summary.WeightBytesAfter * 3 < summary.WeightBytesBefore, $"{summary}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Quantize_TinyModel_RunsInOnnxRuntimeCloseToFloat(bool reduceRange)
    {
        // Full-range int8 weights saturate the AVX2 kernel's VPMADDUBSW, which ONNX Runtime uses on x64 CPUs without
        // VNNI: that is why the service quantises to 7 bits there (QuantizedModelStore.NeedsReducedRange), and why
        // only the 7-bit case can be close to float on such a CPU.
        Assert.SkipWhen(!reduceRange && QuantizedModelStore.NeedsReducedRange,
            "this x64 CPU has no VNNI: full-range int8 weights saturate ONNX Runtime's AVX2 kernel, so the service uses 7 bits here (the reduceRange case)");
        var x = RandomValues(2 * 5 * K, seed: 3);
        var expected = RunTiny(TinyModel(), x);

        var actual = RunTiny(Int8ModelQuantizer.Quantize(TinyModel(), reduceRange, out _), x);

        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(MathF.Abs);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 0.03f * scale, $"element {i}: {actual[i]} vs {expected[i]} (scale {scale})");
        }
    }

    [Theory]
    [InlineData(false, 127)]
    [InlineData(true, 63)]
    public void Quantize_ReduceRange_KeepsWeightsWithinSevenBits(bool reduceRange, int qmax)
    {
        var quantized = ModelProto.Parser.ParseFrom(Int8ModelQuantizer.Quantize(TinyModel(), reduceRange, out _));

        var weights = quantized.Graph.Initializer.Single(t => t.DataType == (int)TensorProto.Types.DataType.Int8).RawData.Select(b => (int)(sbyte)b).ToList();
        Assert.Equal(K * N, weights.Count);
        Assert.Equal(qmax, weights.Max(Math.Abs));
    }

    [Theory]
    [InlineData(96, 127)]
    [InlineData(7, 63)]
    public void QuantizePerColumn_Dequantised_WithinHalfAStepOfTheWeights(int rows, int qmax)
    {
        var weights = RandomValues(rows * N, seed: rows);
        for (var r = 0; r < rows; r++)
        {
            weights[r * N] = 0; // an all-zero column
        }

        var (data, scales) = Int8ModelQuantizer.QuantizePerColumn(weights, rows, N, qmax);

        Assert.Equal(weights.Length, data.Length);
        Assert.Equal(N, scales.Length);
        for (var c = 0; c < N; c++)
        {
            var column = Enumerable.Range(0, rows).Select(r => data[(r * N) + c]).ToList();
            Assert.Equal(c == 0 ? 0 : qmax, column.Max(q => Math.Abs((int)q)));
            for (var r = 0; r < rows; r++)
            {
                var w = weights[(r * N) + c];
                Assert.True(MathF.Abs((data[(r * N) + c] * scales[c]) - w) <= (scales[c] / 2) + 1e-6f, $"w[{r},{c}] = {w}");
            }
        }
    }

    [Fact]
    public void Quantize_NoConstantWeights_LeavesTheModelAlone()
    {
        var model = TinyModel();
        var proto = ModelProto.Parser.ParseFrom(model);
        proto.Graph.Node.RemoveAt(0);
        proto.Graph.Node.RemoveAt(0);
        proto.Graph.Output.RemoveAt(0);

        var quantized = ModelProto.Parser.ParseFrom(Int8ModelQuantizer.Quantize(proto.ToByteArray(), reduceRange: false, out var summary));

        Assert.Equal(0, summary.MatMulsQuantized);
        Assert.Equal([":MatMul"], quantized.Graph.Node.Select(n => $"{n.Domain}:{n.OpType}"));
    }

    /// <summary>Y = X·W + bias with W a constant [K, N]; Z = X·V with V a graph input (not a constant, so left float).</summary>
    internal static byte[] TinyModel()
    {
        var graph = new GraphProto
        {
            Name = "tiny",
            Input = { Value("X", -1, -1, K), Value("V", K, 3) },
            Output = { Value("Y", -1, -1, N), Value("Z", -1, -1, 3) },
            Initializer = { Floats("W", RandomValues(K * N, seed: 1), K, N), Floats("bias", RandomValues(N, seed: 2), N) },
            Node =
            {
                new NodeProto { Name = "mm", OpType = "MatMul", Input = { "X", "W" }, Output = { "XW" } },
                new NodeProto { Name = "add", OpType = "Add", Input = { "bias", "XW" }, Output = { "Y" } },
                new NodeProto { Name = "mm2", OpType = "MatMul", Input = { "X", "V" }, Output = { "Z" } },
            },
        };
        return new ModelProto { IrVersion = 7, OpsetImport = { new OperatorSetIdProto { Domain = string.Empty, Version = 13 } }, Graph = graph }.ToByteArray();
    }

    private static float[] RunTiny(byte[] model, float[] x)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [2, x.Length / (2 * K), K]);
        using var v = OrtValue.CreateTensorValueFromMemory(new float[K * 3], [K, 3]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["X", "V"], [input, v], ["Y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static float[] RandomValues(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1))];
    }

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = name + "_" + shape.Dim.Count } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
