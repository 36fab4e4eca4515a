using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Api.Tests.Support;

/// <summary>An OpenAI-compatible endpoint on a free loopback port that only answers <c>GET /v1/models</c>, and records
/// every request it gets (method and path).</summary>
public sealed class ModelsListServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ModelsListServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary><c>http://127.0.0.1:PORT/v1</c>.</summary>
    public Uri BaseUrl { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<ModelsListServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        ModelsListServer? server = null;
        app.Use((context, next) =>
        {
            server!.Requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            return next(context);
        });
        app.MapGet("/v1/models", () => Results.Text("""{"object":"list","data":[{"id":"test-model","object":"model"}]}""", "application/json"));
        await app.StartAsync(Http.Ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new ModelsListServer(app, new Uri(address.TrimEnd('/') + "/v1"));
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
