using System.Text.RegularExpressions;

namespace EvoR.Api.Tests.Docs;

/// <summary>One request of an <c>.http</c> file (the format of Visual Studio, Rider and VS Code's REST Client).</summary>
/// <param name="Line">Where its <c>###</c> is, 1-based.</param>
/// <param name="Title">The text after <c>###</c>; the statuses it names are the ones the file promises.</param>
/// <param name="Name">Its <c># @name</c>, for <c>{{name.response.body.id}}</c> in later requests.</param>
/// <param name="Settings">Service settings from <c># @service-settings Key=Value …</c>: the request needs a service
/// started so (its text says so to a reader too).</param>
/// <param name="Method">The request line's method.</param>
/// <param name="Url">The request line's URL, variables not yet substituted.</param>
/// <param name="Headers">The headers, in order.</param>
/// <param name="Body">The body after the blank line, or null.</param>
public sealed record HttpFileRequest(int Line, string Title, string? Name, string Method, string Url,
    IReadOnlyList<(string Name, string Value)> Headers, string? Body, IReadOnlyDictionary<string, string> Settings)
{
    public IReadOnlyList<int> ExpectedStatuses =>
        HttpFileRequests.StatusPattern().Matches(Title).Select(m => int.Parse(m.Value)).ToList();

    public override string ToString() => $"EvoR.Api.http:{Line} ({Title})";
}

/// <summary>Reads an <c>.http</c> file: file variables (<c>@host = …</c>), then requests separated by <c>###</c>,
/// each a request line, headers, a blank line and an optional body.</summary>
public static partial class HttpFileRequests
{
    public static (IReadOnlyDictionary<string, string> Variables, IReadOnlyList<HttpFileRequest> Requests) Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var requests = new List<HttpFileRequest>();
        var i = 0;
        for (; i < lines.Length && !lines[i].StartsWith("###", StringComparison.Ordinal); i++)
        {
            if (Variable().Match(lines[i]) is { Success: true } variable)
                variables[variable.Groups[1].Value] = variable.Groups[2].Value.Trim();
        }

        while (i < lines.Length)
        {
            var start = i;
            var title = lines[i][3..].Trim();
            i++;
            string? name = null;
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            for (; i < lines.Length && (lines[i].StartsWith('#') || lines[i].Trim().Length == 0) && !lines[i].StartsWith("###", StringComparison.Ordinal); i++)
            {
                if (lines[i].StartsWith("# @name ", StringComparison.Ordinal))
                    name = lines[i]["# @name ".Length..].Trim();
                if (lines[i].StartsWith("# @service-settings ", StringComparison.Ordinal))
                {
                    foreach (var pair in lines[i]["# @service-settings ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        settings[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
                }
            }

            var block = new List<string>();
            for (; i < lines.Length && !lines[i].StartsWith("###", StringComparison.Ordinal); i++)
                block.Add(lines[i]);
            if (block.Count == 0)
                throw new FormatException($"{path}:{start + 1}: '###' without a request");

            var requestLine = block[0].Split(' ', 2);
            var headers = new List<(string, string)>();
            var k = 1;
            for (; k < block.Count && block[k].Trim().Length > 0; k++)
            {
                var colon = block[k].IndexOf(':');
                headers.Add((block[k][..colon].Trim(), block[k][(colon + 1)..].Trim()));
            }

            var body = string.Join('\n', block.Skip(k + 1)).Trim();
            requests.Add(new HttpFileRequest(start + 1, title, name, requestLine[0], requestLine[1].Trim(), headers,
                body.Length == 0 ? null : body + "\n", settings));
        }

        return (variables, requests);
    }

    [GeneratedRegex(@"\b[2-5]\d\d\b")]
    internal static partial Regex StatusPattern();

    [GeneratedRegex(@"^@(\w+)\s*=\s*(.*)$")]
    private static partial Regex Variable();
}
