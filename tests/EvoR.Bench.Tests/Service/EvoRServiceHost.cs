using EvoR.Api.Generations;
using EvoR.Llm;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Bench.Tests.Service;

/// <summary>
/// The real EvoR service (src/EvoR.Api: its pipeline, process sandbox, job store and knowledge store) on Kestrel on a
/// free loopback port, its model a scripted chat service, its data in a temporary folder of its own. The settings
/// match the in-process harness's (<see cref="Runs.BenchRunHarness.Common"/>), so the same run gives the same answers.
/// The entry point is named by one of the service's types: the bench has a <c>Program</c> of its own.
/// </summary>
internal sealed class EvoRServiceHost : WebApplicationFactory<GenerationRequestBody>
{
    private readonly IChatCompletionService _chat;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    private EvoRServiceHost(IChatCompletionService chat, IReadOnlyDictionary<string, string?> settings)
    {
        _chat = chat;
        _settings = settings;
    }

    public string Folder { get; } = Directory.CreateTempSubdirectory("evor-bench-service-").FullName;

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; private set; } = null!;

    public static EvoRServiceHost Start(IChatCompletionService chat, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = new EvoRServiceHost(chat, settings ?? new Dictionary<string, string?>());
        host.UseKestrel();
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.Url = new Uri(address.EndsWith('/') ? address : address + "/");
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Urls", "http://127.0.0.1:0");
        builder.ConfigureAppConfiguration((_, configuration) =>
        {
            configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Urls"] = "http://127.0.0.1:0",
                ["Data:Root"] = Path.Combine(Folder, "data"),
                ["Knowledge:RootPath"] = Path.Combine(Folder, "knowledge"),
                ["Generations:DatabasePath"] = Path.Combine(Folder, "generations.db"),
                ["Embeddings:Enabled"] = "false",
                ["EvoR:RetrievalK"] = "1",
                ["Sandbox:MaxConcurrency"] = "2",
                ["Sandbox:Process:WarmSandboxes"] = "0",
                // A bench sends three requests a sample; the default 120 a minute would make it wait on 429s.
                ["RateLimiting:PermitLimit"] = "100000",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:Console:FormatterName"] = "simple",
            });
            configuration.AddInMemoryCollection(_settings);
        });
        builder.ConfigureTestServices(services => services.AddEvoRLlmProvider("scripted", "scripted", _ => _chat));
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
