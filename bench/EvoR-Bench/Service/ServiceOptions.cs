using System.CommandLine;
using EvoR.Bench.Runs;

namespace EvoR.Bench.Service;

/// <summary><c>run</c>'s <c>--service URL</c> and <c>--api-key KEY</c>: every sample a job on a running EvoR service.</summary>
internal static class ServiceOptions
{
    /// <summary>The API key when <c>--api-key</c> is not given (keeps it off the command line and out of shell history).</summary>
    public const string ApiKeyVariable = "EVOR_API_KEY";

    public static (Option<Uri?> Service, Option<string?> ApiKey) Build()
    {
        var service = new Option<Uri?>("--service")
        {
            Description = "Run every sample as POST /v1/generations on the EvoR service at this URL (e.g. http://127.0.0.1:5080) " +
                          "instead of in-process; scoring stays local. The model is the service's.",
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
                {
                    return url;
                }

                r.AddError($"Option '--service' needs an http(s) URL, not '{text}'.");
                return null;
            },
        };
        var apiKey = new Option<string?>("--api-key") { Description = $"The service's API key (Bearer); default: ${ApiKeyVariable}" };
        return (service, apiKey);
    }

    public static void Validate(Command command, Option<Uri?> service, Option<string?> apiKey, Option<string[]> cassette)
    {
        command.Validators.Add(r =>
        {
            if (r.GetValue(service) is null && r.GetValue(apiKey) is not null)
            {
                r.AddError("Option '--api-key' goes with '--service'.");
            }

            if (r.GetValue(service) is not null && r.GetValue(cassette) is { Length: > 0 })
            {
                r.AddError("Option '--cassette' is in-process only: with '--service' the model is the service's (record or replay there).");
            }
        });
    }

    /// <summary>The service's generator for the run's container, or null in-process; names the service in <c>run.json</c>.</summary>
    public static Func<IServiceProvider, ISampleGenerator>? Generator(Uri? service, string? apiKey, Dictionary<string, string?> settings)
    {
        if (service is null)
        {
            return null;
        }

        settings["service"] = service.AbsoluteUri;
        return _ => new ServiceSampleGenerator(new EvoRServiceClient(ServiceHttp.Create(service, apiKey)));
    }
}
