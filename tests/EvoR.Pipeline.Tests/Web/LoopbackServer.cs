using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EvoR.Pipeline.Tests.Web;

/// <summary>A fake HTTP server on 127.0.0.1 (a free port), answering at most <c>maxRequests</c> requests.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Func<HttpListenerRequest, int, (int Status, string ContentType, string Body)> _handler;
    private int _requests;

    public LoopbackServer(Func<HttpListenerRequest, int, (int Status, string ContentType, string Body)> handler, int maxRequests = 20)
    {
        _handler = handler;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(() => Serve(maxRequests));
    }

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    public int Requests => Volatile.Read(ref _requests);

    public List<string> Paths { get; } = [];

    private async Task Serve(int maxRequests)
    {
        while (_listener.IsListening && Requests < maxRequests)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var n = Interlocked.Increment(ref _requests);
            lock (Paths)
            {
                Paths.Add(context.Request.Url!.PathAndQuery);
            }

            var (status, type, body) = _handler(context.Request, n);
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = type;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
            // Stopped while serving.
        }
    }
}
