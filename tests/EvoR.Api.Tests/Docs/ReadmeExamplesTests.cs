using System.Text.RegularExpressions;
using EvoR.Api.Tests.Support;
using EvoR.Testing;

namespace EvoR.Api.Tests.Docs;

/// <summary>
/// Every <c>curl</c> command of the root README, then of the API's README (which assumes the root's quick start done),
/// run verbatim and in order by bash against the service started as its
/// own process (the README's <c>./evor.sh serve</c>), with its model pointed at a scripted OpenAI-compatible server in
/// place of the README's example endpoint. A command passes when curl succeeds and the HTTP status is the one the
/// README promises (<c># → 202</c>) or, where it names none, a 2xx. Ids the README writes as <c>gen_…</c> are the id of
/// the generation its previous command created, as a reader would paste it.
/// </summary>
public sealed partial class ReadmeExamplesTests
{
    private const string ReadmeHost = "localhost:5080";

    private static readonly string[] Readmes = ["README.md", "src/EvoR.Api/README.md"];

    [Fact]
    public async Task EveryCurlExampleOfTheReadme_AnswersAsTheReadmeSays()
    {
        var unavailable = await ProcessSandboxProbe.UnavailableReasonAsync();
        if (unavailable is not null)
            Assert.Skip(unavailable);

        var root = Repository.Root();
        var examples = Readmes.SelectMany(readme => ReadmeExamples.Read(root, readme)).ToList();
        Assert.True(examples.Count >= 10, $"the READMEs have only {examples.Count} curl examples; the parser lost some");

        await using var docs = await DocsService.StartAsync(null, TestContext.Current.CancellationToken);
        var service = docs.Process;
        string? generationId = null;
        var failures = new List<string>();
        foreach (var example in examples)
        {
            var command = example.Command.Replace(ReadmeHost, $"127.0.0.1:{service.BaseAddress.Port}", StringComparison.Ordinal);
            if (command.Contains("gen_…", StringComparison.Ordinal))
            {
                if (generationId is null)
                {
                    failures.Add($"{example}: names a generation, but no earlier example created one");
                    continue;
                }

                command = command.Replace("gen_…", generationId, StringComparison.Ordinal);
            }

            if (command.Contains('…'))
            {
                failures.Add($"{example}: holds a placeholder a reader cannot run");
                continue;
            }

            var (status, body, error) = await RunCurlAsync(command);
            if (!PromisedStatus.Matches(status, example.ExpectedStatuses))
                failures.Add($"{example}: HTTP {status} (expected {PromisedStatus.Describe(example.ExpectedStatuses)}) {error} {PromisedStatus.Cut(body)}");

            if (command.Contains("-d", StringComparison.Ordinal) && GenerationId().Match(body) is { Success: true } created)
                generationId = created.Groups[1].Value;
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n--- service output ---\n" + PromisedStatus.Cut(service.Output, 4000));
    }

    /// <summary>Runs the command through bash as pasted, adding only where the body goes and the status line.</summary>
    private static async Task<(int Status, string Body, string Error)> RunCurlAsync(string command)
    {
        var bodyFile = Path.GetTempFileName();
        try
        {
            var (exit, stdout, stderr) = await ExternalProcess.RunAsync("bash", ["-c", $"{command} --max-time 60 -o '{bodyFile}' -w '%{{http_code}}'"]);
            var body = await File.ReadAllTextAsync(bodyFile);
            var status = int.TryParse(stdout.Trim(), out var code) ? code : 0;
            return (status, body, exit == 0 ? string.Empty : $"curl exit {exit} {stderr.Trim()}");
        }
        finally
        {
            File.Delete(bodyFile);
        }
    }

    [GeneratedRegex("\"id\"\\s*:\\s*\"(gen_[A-Za-z0-9_-]+)\"")]
    private static partial Regex GenerationId();
}
