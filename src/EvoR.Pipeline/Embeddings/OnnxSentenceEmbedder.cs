using System.Numerics.Tensors;
using EvoR.Pipeline.Embeddings.Quantization;
using EvoR.Pipeline.Retrieval;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace EvoR.Pipeline.Embeddings;

/// <summary>
/// Sentence embeddings with all-MiniLM-L6-v2 on ONNX Runtime: BERT WordPiece tokenisation (lower-cased), inputs
/// sorted by length and run in batches padded to the longest of each batch, mean pooling over the attention mask,
/// L2 normalisation. On CPU the model runs with int8 weights by default (<c>Embeddings:Precision</c>, see
/// <see cref="Int8ModelQuantizer"/>). CUDA is asked for when <c>Embeddings:Provider</c> is <c>cuda</c> and runs the fp32
/// model; when it cannot load the session falls back to CPU with a warning. The model loads on first use. Thread-safe.
/// </summary>
public sealed class OnnxSentenceEmbedder(
    IOptions<EmbeddingOptions> options,
    EmbeddingTelemetry telemetry,
    ILogger<OnnxSentenceEmbedder> logger,
    TimeProvider? time = null) : ITextEmbedder, IDisposable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly EmbeddingOptions _options = options.Value;
    private readonly Lock _gate = new();
    private Loaded? _loaded;
    private bool _disposed;

    /// <summary><c>Embeddings:ModelId</c>, with <c>-int8</c> appended when the int8 model runs (loads the model on first call).</summary>
    public string ModelId => EnsureLoaded().ModelId;

    /// <summary>Weights in use: <c>fp32</c> or <c>int8</c> (loads the model on first call).</summary>
    public string Precision => EnsureLoaded().Precision;

    /// <summary>Sentences per inference call (<c>Embeddings:BatchSize</c>).</summary>
    public int BatchSize => _options.BatchSize;

    public int Dimensions => EnsureLoaded().Dimensions;

    public string ExecutionProvider => EnsureLoaded().Provider;

    /// <summary>The tokenizer in use (loads the model on first call).</summary>
    internal BertTokenizer Tokenizer => EnsureLoaded().Tokenizer;

    /// <summary>Loads the model now rather than at the first request.</summary>
    public void Warmup() => Embed(["warm up"]);

    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var loaded = EnsureLoaded();
        var results = new float[texts.Count][];
        if (texts.Count == 0)
        {
            return results;
        }

        using var activity = telemetry.Source.StartActivity("embed");
        activity?.SetTag("evor.embeddings.count", texts.Count);
        var started = _time.GetTimestamp();
        var ids = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            ids[i] = Tokenize(loaded.Tokenizer, texts[i], _options.MaxSequenceLength);
        }

        // Similar lengths together: a batch pads only up to its own longest input.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => ids[i].Length).ThenBy(i => i).ToArray();
        for (var start = 0; start < order.Length; start += _options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = order.AsSpan(start, Math.Min(_options.BatchSize, order.Length - start)).ToArray();
            var vectors = Run(loaded, batch.Select(i => ids[i]).ToArray());
            for (var b = 0; b < batch.Length; b++)
            {
                results[batch[b]] = vectors[b];
            }
        }

        telemetry.RecordBatch(texts.Count, loaded.Provider, _time.GetElapsedTime(started));
        return results;
    }

    /// <summary>WordPiece ids with [CLS] and [SEP], truncated to <paramref name="maxLength"/>.</summary>
    internal static int[] Tokenize(BertTokenizer tokenizer, string text, int maxLength)
    {
        var body = tokenizer.EncodeToIds(text, maxLength - 2, addSpecialTokens: false, out _, out _);
        var ids = new int[body.Count + 2];
        ids[0] = tokenizer.ClassificationTokenId;
        for (var i = 0; i < body.Count; i++)
        {
            ids[i + 1] = body[i];
        }

        ids[^1] = tokenizer.SeparatorTokenId;
        return ids;
    }

    /// <summary>One inference call over pre-tokenised inputs; returns a unit vector per input.</summary>
    internal static float[][] Run(Loaded loaded, int[][] batch)
    {
        var rows = batch.Length;
        var length = batch.Max(b => b.Length);
        var inputIds = new long[rows * length];
        var mask = new long[rows * length];
        var types = new long[rows * length];
        for (var r = 0; r < rows; r++)
        {
            for (var t = 0; t < batch[r].Length; t++)
            {
                inputIds[(r * length) + t] = batch[r][t];
                mask[(r * length) + t] = 1;
            }
        }

        long[] shape = [rows, length];
        var names = new List<string>(3);
        var values = new List<OrtValue>(3);
        try
        {
            foreach (var name in loaded.InputNames)
            {
                var data = name.Contains("mask", StringComparison.OrdinalIgnoreCase) ? mask
                    : name.Contains("type", StringComparison.OrdinalIgnoreCase) ? types
                    : inputIds;
                names.Add(name);
                values.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
            }

            using var runOptions = new RunOptions();
            using var outputs = loaded.Session.Run(runOptions, names, values, [loaded.OutputName]);
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            var dims = loaded.Dimensions;
            var result = new float[rows][];
            for (var r = 0; r < rows; r++)
            {
                var vector = new float[dims];
                if (loaded.OutputIsPooled)
                {
                    hidden.Slice(r * dims, dims).CopyTo(vector);
                }
                else
                {
                    var count = batch[r].Length;
                    for (var t = 0; t < count; t++)
                    {
                        TensorPrimitives.Add(vector, hidden.Slice(((r * length) + t) * dims, dims), vector);
                    }

                    TensorPrimitives.Divide(vector, count, vector);
                }

                VectorMath.Normalize(vector);
                result[r] = vector;
            }

            return result;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    internal Loaded EnsureLoaded()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_loaded is { } loaded)
        {
            return loaded;
        }

        lock (_gate)
        {
            return _loaded ??= Load();
        }
    }

    private Loaded Load()
    {
        var started = _time.GetTimestamp();
        var files = MiniLmModelFiles.Load(_options);
        var tokenizer = CreateTokenizer(files.Vocab);
        InferenceSession? session = null;
        var provider = "cpu";
        var precision = "fp32";
        var origin = files.Origin;
        if (_options.Provider == "cuda")
        {
            try
            {
                using var cudaOptions = CreateSessionOptions(_options);
                cudaOptions.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
                session = new InferenceSession(files.Model, cudaOptions);
                provider = "cuda";
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                EmbeddingLog.CudaUnavailable(logger, _options.CudaDeviceId, ex);
            }
        }

        if (session is null)
        {
            var model = files.Model;
            if (_options.Precision == "int8")
            {
                model = QuantizedModelStore.GetOrCreate(files.Model, _options.QuantizedModelDirectory, logger, out origin);
                precision = "int8";
            }

            using var cpuOptions = CreateSessionOptions(_options);
            session = new InferenceSession(model, cpuOptions);
        }

        var result = CreateLoaded(session, tokenizer, provider, precision, ModelIdFor(_options.ModelId, precision));
        EmbeddingLog.ModelLoaded(logger, result.ModelId, provider, result.Dimensions, origin, _time.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    internal static BertTokenizer CreateTokenizer(byte[] vocab)
    {
        using var stream = new MemoryStream(vocab, writable: false);
        return BertTokenizer.Create(stream, new BertOptions { LowerCaseBeforeTokenization = true });
    }

    internal static SessionOptions CreateSessionOptions(EmbeddingOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
        }

        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");

        return sessionOptions;
    }

    /// <summary>The model id vectors are cached under: int8 vectors differ slightly from fp32 ones, so they never share keys.</summary>
    internal static string ModelIdFor(string modelId, string precision) => precision == "int8" ? modelId + "-int8" : modelId;

    internal static Loaded CreateLoaded(InferenceSession session, BertTokenizer tokenizer, string provider, string precision, string modelId)
    {
        var output = session.OutputMetadata.First();
        var outputDims = output.Value.Dimensions;
        return new Loaded(
            session,
            tokenizer,
            provider,
            precision,
            modelId,
            [.. session.InputMetadata.Keys],
            output.Key,
            OutputIsPooled: outputDims.Length == 2,
            Dimensions: outputDims[^1]);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _loaded?.Session.Dispose();
            _loaded = null;
        }
    }

    internal sealed record Loaded(
        InferenceSession Session,
        BertTokenizer Tokenizer,
        string Provider,
        string Precision,
        string ModelId,
        IReadOnlyList<string> InputNames,
        string OutputName,
        bool OutputIsPooled,
        int Dimensions);
}
