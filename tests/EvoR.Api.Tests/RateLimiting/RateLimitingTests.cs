using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.RateLimiting;

public sealed class RateLimitingTests
{
    // One permit per hour: the second request in the window is refused whatever the test's speed.
    private static Dictionary<string, string?> OnePermit() => new()
    {
        ["RateLimiting:PermitLimit"] = "1",
        ["RateLimiting:WindowSeconds"] = "3600",
    };

    [Fact]
    public async Task Get_OverPermitLimit_Returns429WithRetryAfter()
    {
        using var factory = new ApiFactory(ApiFactory.WithKeys(OnePermit()));
        using var client = factory.CreateClient();

        var first = await client.GetAsync("/v1/languages", ApiFactory.ValidKey);
        var second = await client.GetAsync("/v1/languages", ApiFactory.ValidKey);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await second.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.True(second.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After missing");
    }

    [Fact]
    public async Task Post_OneKeyExhausted_OtherKeyStillServed()
    {
        using var factory = new ApiFactory(ApiFactory.WithKeys(OnePermit()));
        using var client = factory.CreateClient();
        const string body = """{ "language": "python", "code": "print(1)" }""";

        await client.PostExecutionAsync(body, ApiFactory.ValidKey);
        var refused = await client.PostExecutionAsync(body, ApiFactory.ValidKey);
        var other = await client.PostExecutionAsync(body, ApiFactory.OtherKey);

        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Get_WrongKeyOverLimit_Returns429()
    {
        using var factory = new ApiFactory(ApiFactory.WithKeys(OnePermit()));
        using var client = factory.CreateClient();

        var first = await client.GetAsync("/v1/languages", "guess-1");
        var second = await client.GetAsync("/v1/languages", "guess-2");
        var valid = await client.GetAsync("/v1/languages", ApiFactory.ValidKey);

        await first.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await second.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    [Fact]
    public async Task Get_OpenModeOverLimitWithLimitWithoutKeys_Returns429()
    {
        var settings = OnePermit();
        settings["RateLimiting:LimitWithoutKeys"] = "true";
        using var factory = new ApiFactory(settings);
        using var client = factory.CreateClient();

        await client.GetAsync("/v1/languages", key: null);
        var refused = await client.GetAsync("/v1/languages", key: null);

        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
    }

    [Fact]
    public async Task Get_OpenModeOverLimit_NotRateLimitedByDefault()
    {
        using var factory = new ApiFactory(OnePermit());
        using var client = factory.CreateClient();

        await client.GetAsync("/v1/languages", key: null);
        var second = await client.GetAsync("/v1/languages", key: null);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    /// <summary>A local user scoring HumanEval (164 problems, one execution each) through an open loopback service on
    /// the defaults: no request is refused by the rate limiter (the sandbox's queue paces them).</summary>
    [Fact]
    public async Task Post_164ExecutionsFromOneLoopbackClientWithoutKeys_No429()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();
        var body = """{ "language": "python", "code": "print(1)" }""";

        var statuses = await Task.WhenAll(Enumerable.Range(0, 164).Select(async _ =>
        {
            using var response = await client.PostExecutionAsync(body);
            return response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task Post_WithKeysOnTheDefaults_LimitStillApplies()
    {
        using var factory = new ApiFactory(ApiFactory.WithKeys());
        using var client = factory.CreateClient();
        var body = """{ "language": "python", "code": "print(1)" }""";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 121; i++)
        {
            using var response = await client.PostExecutionAsync(body, ApiFactory.ValidKey);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(120, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task Get_Disabled_NeverRefuses()
    {
        var settings = OnePermit();
        settings["RateLimiting:Enabled"] = "false";
        using var factory = new ApiFactory(settings);
        using var client = factory.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/languages", key: null)).StatusCode);
        }
    }

    [Fact]
    public async Task Get_HealthOverLimit_NotRateLimited()
    {
        using var factory = new ApiFactory(ApiFactory.WithKeys(OnePermit()));
        using var client = factory.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", key: null)).StatusCode);
        }
    }

    [Theory]
    [InlineData("RateLimiting:PermitLimit", "0")]
    [InlineData("RateLimiting:WindowSeconds", "0")]
    [InlineData("Requests:MaxBodyBytes", "10")]
    public void Start_OptionOutOfRange_Fails(string key, string value)
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { [key] = value });

        StartFailure.Assert(factory, key.Split(':')[1]);
    }
}
