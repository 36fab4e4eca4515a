using System.Text;
using System.Text.Json;

namespace EvoR.Sandbox.Process;

/// <summary>
/// What bubblewrap wrote to its <c>--json-status-fd</c>: one JSON object per line, <c>{"child-pid": N, …}</c> once the
/// program's process exists and <c>{"exit-code": N}</c> once it exited. A missing child pid means the program never
/// started (bubblewrap failed to set the sandbox up).
/// </summary>
internal sealed record BubblewrapStatus(int? ChildPid, int? ExitCode)
{
    public static async Task<BubblewrapStatus> ReadAsync(string path) =>
        File.Exists(path) ? Parse(await File.ReadAllBytesAsync(path)) : new BubblewrapStatus(null, null);

    /// <summary>Reads the objects one after another; a torn or malformed tail (the sandbox was killed while bubblewrap
    /// wrote) keeps what came before it.</summary>
    public static BubblewrapStatus Parse(ReadOnlySpan<byte> json)
    {
        int? child = null, exit = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                var name = reader.GetString();
                if (!reader.Read())
                {
                    break;
                }

                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value))
                {
                    if (name == "child-pid")
                    {
                        child = value;
                    }
                    else if (name == "exit-code")
                    {
                        exit = value;
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        return new BubblewrapStatus(child, exit);
    }

    public static BubblewrapStatus Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));
}
