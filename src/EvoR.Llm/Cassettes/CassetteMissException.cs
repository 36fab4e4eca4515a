namespace EvoR.Llm.Cassettes;

/// <summary>
/// A replay was asked a request its cassette does not hold. Nothing is invented: the run is not reproducible as asked.
/// The message names the request hash, the model and a preview of the last user message.
/// </summary>
public sealed class CassetteMissException : Exception
{
    /// <summary>Characters of the last user message shown in the message.</summary>
    public const int PreviewLength = 160;

    public CassetteMissException(string cassette, string requestHash, string model, string? lastUserMessage)
        : base(BuildMessage(cassette, requestHash, model, lastUserMessage))
    {
        Cassette = cassette;
        RequestHash = requestHash;
        Model = model;
        LastUserMessagePreview = Preview(lastUserMessage);
    }

    public CassetteMissException()
        : this("(none)", "(none)", "(none)", null)
    {
    }

    public CassetteMissException(string message)
        : base(message)
    {
        Cassette = RequestHash = Model = LastUserMessagePreview = string.Empty;
    }

    public CassetteMissException(string message, Exception innerException)
        : base(message, innerException)
    {
        Cassette = RequestHash = Model = LastUserMessagePreview = string.Empty;
    }

    /// <summary>The cassette that was searched.</summary>
    public string Cassette { get; }

    /// <summary>The hash of the request that was not found.</summary>
    public string RequestHash { get; }

    public string Model { get; }

    /// <summary>The first <see cref="PreviewLength"/> characters of the last user message, on one line.</summary>
    public string LastUserMessagePreview { get; }

    internal static string Preview(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "(no user message)";
        }

        var oneLine = text.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= PreviewLength ? oneLine : string.Concat(oneLine.AsSpan(0, PreviewLength), "…");
    }

    private static string BuildMessage(string cassette, string hash, string model, string? lastUser) =>
        $"The cassette '{cassette}' holds no response for request {hash} (model '{model}', last user message: \"{Preview(lastUser)}\"). "
        + "The prompt, model or settings differ from the recorded run; record it again with Llm:RecordTo.";
}
