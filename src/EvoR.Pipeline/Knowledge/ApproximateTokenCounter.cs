namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// Counts tokens the way budgets are spent: each run of letters or digits is one token, and so is each other
/// non-space character. This tracks a BERT WordPiece count closely for prose and undercounts rare identifiers
/// (which WordPiece splits further); the embedder truncates at <c>Embeddings:MaxSequenceLength</c> anyway.
/// </summary>
public static class ApproximateTokenCounter
{
    public static int Count(ReadOnlySpan<char> text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (!inWord)
                {
                    count++;
                    inWord = true;
                }
            }
            else
            {
                inWord = false;
                if (!char.IsWhiteSpace(c))
                {
                    count++;
                }
            }
        }

        return count;
    }
}
