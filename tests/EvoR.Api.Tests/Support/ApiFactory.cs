using EvoR.Sandbox;
using EvoR.Sandbox.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace EvoR.Api.Tests.Support;

/// <summary>
/// Boots the real app (Program) in memory. By default the sandbox is replaced by <see cref="FakeCodeExecutor"/> and
/// <see cref="FakeHealthProbe"/>; <paramref name="realSandbox"/> keeps the real one. Settings override configuration.
/// Knowledge bases live in <paramref name="knowledgeRoot"/>, or else in a temporary folder of this factory's own,
/// deleted with it. Generation jobs go to a database in another temporary folder of its own (deleted with it) unless
/// the settings name one (<c>Generations:DatabasePath</c>).
/// </summary>
public sealed class ApiFactory(
    IReadOnlyDictionary<string, string?>? settings = null, bool realSandbox = false, string? knowledgeRoot = null)
    : WebApplicationFactory<Program>
{
    private readonly bool _ownsKnowledgeRoot = knowledgeRoot is null;

    public const string ValidKey = "test-key-alpha";
    public const string OtherKey = "test-key-beta";

    public FakeCodeExecutor Executor { get; } = new();
    public FakeHealthProbe Health { get; } = new();
    public FakeLogCollector Logs { get; } = new();

    /// <summary>The folder of this host's knowledge bases (<c>Knowledge:RootPath</c>).</summary>
    public string KnowledgeRoot { get; } = knowledgeRoot ?? NewTempFolder();

    /// <summary>This factory's own temporary folder of the generations database, deleted with it.</summary>
    public string GenerationsFolder { get; } = NewTempFolder();

    /// <summary>A new empty folder under the temporary folder.</summary>
    public static string NewTempFolder() =>
        Directory.CreateTempSubdirectory("evor-api-tests-").FullName;

    /// <summary>Settings that configure <see cref="ValidKey"/> (name <c>alpha</c>) and <see cref="OtherKey"/>
    /// (name <c>beta</c>).</summary>
    public static Dictionary<string, string?> WithKeys(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? [])
        {
            ["Auth:ApiKeys:0:Name"] = "alpha",
            ["Auth:ApiKeys:0:Sha256"] = EvoR.Api.Auth.ApiKeyHash.ComputeHex(ValidKey),
            ["Auth:ApiKeys:1:Name"] = "beta",
            ["Auth:ApiKeys:1:Sha256"] = EvoR.Api.Auth.ApiKeyHash.ComputeHex(OtherKey),
        };
        return settings;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration((_, configuration) =>
        {
            configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Knowledge:RootPath"] = KnowledgeRoot,
                ["Generations:DatabasePath"] = Path.Combine(GenerationsFolder, "generations.db"),
                // Nothing in the user's own data folder; the int8 embedding model is kept between tests.
                ["Data:Root"] = Path.Combine(GenerationsFolder, "data"),
                ["Embeddings:QuantizedModelDirectory"] = Path.Combine(Path.GetTempPath(), "evor-models"),
            });
            configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        });
        // Tests read every entry from Logs. The console gets warnings only: the runner prints a failing module's whole
        // console output, and a thousand debug lines there bury the failure itself.
        builder.ConfigureLogging(logging => logging.AddProvider(new FakeLoggerProvider(Logs)).SetMinimumLevel(LogLevel.Debug)
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(level => level >= LogLevel.Warning));
        if (!realSandbox)
        {
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<ICodeExecutor>(sp => Executor.Attach(sp));
                services.AddSingleton<ISandboxHealthProbe>(Health);
            });
        }
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            base.Dispose(disposing);
        }
        finally
        {
            if (disposing && _ownsKnowledgeRoot)
            {
                DeleteFolder(KnowledgeRoot);
            }

            if (disposing)
            {
                DeleteFolder(GenerationsFolder);
            }
        }
    }

    // Asynchronous disposal does not pass through Dispose(bool).
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            if (_ownsKnowledgeRoot)
            {
                DeleteFolder(KnowledgeRoot);
            }

            DeleteFolder(GenerationsFolder);
        }
    }

    /// <summary>Deletes a folder and what it holds; a folder already gone is fine. A knowledge base's index may still
    /// be written for a moment after the host stopped (an overlay closing reaches the disk then), which makes a
    /// recursive delete find a folder not empty: a few tries, then the error.</summary>
    public static void DeleteFolder(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 10)
            {
                Thread.Sleep(100 * attempt);
            }
        }
    }

    /// <summary>Resolves the sandbox telemetry of this host (it publishes under the <c>EvoR.Sandbox</c> meter).</summary>
    public SandboxTelemetry Telemetry => Services.GetRequiredService<SandboxTelemetry>();
}
