using EvoR.Api.Auth;
using EvoR.Api.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace EvoR.Api.Tests.Auth;

public sealed class LoopbackGuardTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://127.0.0.2:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("https://LOCALHOST:5443", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://unix:/run/evor.sock", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://203.0.113.7:5080", false)]
    [InlineData("http://evor.example:5080", false)]
    [InlineData("not a url", false)]
    public void IsLoopback_Address_Classified(string address, bool loopback) =>
        Assert.Equal(loopback, LoopbackGuard.IsLoopback(address));

    [Theory]
    [InlineData("urls", "http://127.0.0.1:1;http://0.0.0.0:2", "http://127.0.0.1:1,http://0.0.0.0:2")]
    [InlineData("http_ports", "8080", "http://*:8080")]
    [InlineData("https_ports", "8443;9443", "https://*:8443,https://*:9443")]
    [InlineData("Kestrel:Endpoints:Main:Url", "http://10.0.0.1:80", "http://10.0.0.1:80")]
    public void ConfiguredAddresses_Setting_Collected(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();

        Assert.Equal(expected.Split(','), LoopbackGuard.ConfiguredAddresses(configuration));
    }

    [Fact]
    public void ConfiguredAddresses_NothingConfigured_KestrelDefaultLoopback() =>
        Assert.Equal(["http://localhost:5000"], LoopbackGuard.ConfiguredAddresses(new ConfigurationBuilder().Build()));

    [Theory]
    [InlineData("urls", "http://0.0.0.0:5080")]
    [InlineData("urls", "http://*:5080")]
    [InlineData("urls", "http://+:5080")]
    [InlineData("urls", "http://[::]:5080")]
    [InlineData("urls", "http://127.0.0.1:5080;http://203.0.113.7:5080")]
    [InlineData("http_ports", "8080")]
    [InlineData("Kestrel:Endpoints:Public:Url", "http://0.0.0.0:5080")]
    public void Start_NonLoopbackWithoutKeys_RefusesAndNamesTheSetting(string key, string value)
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { [key] = value });

        StartFailure.Assert(factory, "Auth:ApiKeys");
        var log = Assert.Single(factory.Logs.GetSnapshot(), r => r.Id.Id == 1031);
        Assert.Equal(LogLevel.Error, log.Level);
        Assert.Contains("Auth:ApiKeys", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NonLoopbackWithKeys_Starts()
    {
        using var factory = new ApiFactory(ApiFactory.WithKeys(new() { ["urls"] = "http://0.0.0.0:5080" }));
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/v1/languages", ApiFactory.ValidKey);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(factory.Logs.GetSnapshot(), r => r.Id.Id is 1031 or 1032);
    }

    [Theory]
    [InlineData("Auth:ApiKeys:0:Sha256", "not-a-hash")]
    [InlineData("Auth:ApiKeys:0:Name", "")]
    [InlineData("Auth:ApiKeys:1:Name", "alpha")]
    public void Start_MalformedKeyEntry_FailsValidation(string key, string value)
    {
        var settings = ApiFactory.WithKeys();
        settings[key] = value;
        using var factory = new ApiFactory(settings);

        StartFailure.Assert(factory, key);
    }

    [Fact]
    public void ComputeHex_KnownVector_MatchesSha256sum() =>
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeyHash.ComputeHex("abc"));
}
