using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet;
using Docker.DotNet.Handler.Abstractions;
using Docker.DotNet.LegacyHttp;
using Docker.DotNet.Unix;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// A Docker.DotNet client for one endpoint: the unix-socket transport for <c>unix://</c>, the managed HTTP transport
/// (which carries attach's hijacked stream) for <c>tcp://</c>, with TLS client certificates when given.
/// </summary>
internal static class DockerClientFactory
{
    public static DockerClient Create(string endpoint, DockerEngineTlsOptions? tls)
    {
        var uri = new Uri(endpoint);
        var builder = new DockerClientBuilder().WithEndpoint(uri);
        if (uri.Scheme == "unix")
        {
            return builder.WithTransportOptions(new UnixSocketTransportOptions()).Build();
        }

        if (tls is not null)
        {
            builder = builder.WithAuthProvider(new ClientCertificateAuth(tls));
        }

        return builder.WithTransportOptions(new LegacyHttpTransportOptions()).Build();
    }

    /// <summary>TLS as <c>docker --tlsverify</c> does it: this client's certificate, and a server certificate that
    /// chains to the given CA (and names the host: the name check stays the platform's).</summary>
    private sealed class ClientCertificateAuth : IAuthProvider
    {
        private readonly X509Certificate2 _client;
        private readonly X509Certificate2 _ca;

        public ClientCertificateAuth(DockerEngineTlsOptions tls)
        {
            _client = X509Certificate2.CreateFromPemFile(tls.CertPath, tls.KeyPath);
            _ca = X509CertificateLoader.LoadCertificateFromFile(tls.CaPath);
        }

        public bool TlsEnabled => true;

        public HttpMessageHandler ConfigureHandler(HttpMessageHandler handler)
        {
            switch (handler)
            {
                case Microsoft.Net.Http.Client.ManagedHandler managed:
                    managed.ClientCertificates = new X509CertificateCollection { _client };
                    managed.ServerCertificateValidationCallback = Validate;
                    break;
                case SocketsHttpHandler sockets:
                    sockets.SslOptions.ClientCertificates = new X509CertificateCollection { _client };
                    sockets.SslOptions.RemoteCertificateValidationCallback = Validate;
                    break;
            }

            return handler;
        }

        private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }

            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(_ca);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var server = new X509Certificate2(certificate);
            return custom.Build(server);
        }
    }
}
