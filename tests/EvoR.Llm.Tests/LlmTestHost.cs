using System.Diagnostics.Metrics;
using EvoR.Llm.Chat;
using EvoR.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Llm.Tests;

/// <summary>Builds the LLM layer from in-memory configuration, as <c>AddEvoRLlm</c> would in the service.</summary>
internal static class LlmTestHost
{
    public static ServiceProvider Build(IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddEvoRLlm(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Runs the start-time options validation, as the host does.</summary>
    public static void ValidateOnStart(ServiceProvider provider) => provider.GetRequiredService<IStartupValidator>().Validate();

    /// <summary>The OpenAI connector against the scripted server, with fast retries and generous timeouts.</summary>
    public static Dictionary<string, string?> OpenAi(ScriptedOpenAiServer server, params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "openai",
            ["Llm:Endpoint"] = server.BaseUrl.ToString(),
            ["Llm:Model"] = "test-model",
            ["Llm:Resilience:RetryBaseDelayMs"] = "5",
            ["Llm:Resilience:MaxRetryDelayMs"] = "5000",
            ["Llm:Resilience:AttemptTimeoutMs"] = "20000",
            ["Llm:Resilience:TotalTimeoutMs"] = "60000",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }

    public static ChatHistory Prompt(string user, string? system = "You write Python.")
    {
        var history = new ChatHistory();
        if (system is not null)
        {
            history.AddSystemMessage(system);
        }

        history.AddUserMessage(user);
        return history;
    }

    public static async Task<ChatMessageContent> AskAsync(this IServiceProvider services, string user, PromptExecutionSettings? settings = null)
    {
        var chat = services.GetRequiredService<IChatCompletionService>();
        var replies = await chat.GetChatMessageContentsAsync(Prompt(user), settings, cancellationToken: TestContext.Current.CancellationToken);
        return Assert.Single(replies);
    }

    public static string TempFile(string name) =>
        Path.Combine(Path.GetTempPath(), "evor-llm-tests", Guid.NewGuid().ToString("N"), name);
}

/// <summary>Collects the measurements of one instrument of the meters a given factory created.</summary>
internal sealed class MeasurementCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _sum;

    public MeasurementCollector(IMeterFactory factory, string instrument)
    {
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Scope == factory && i.Meter.Name == Diagnostics.LlmTelemetry.Name && i.Name == instrument)
            {
                l.EnableMeasurementEvents(i);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _sum, value));
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _sum));
        _listener.Start();
    }

    /// <summary>Sum of long measurements, count of double ones.</summary>
    public long Sum => Interlocked.Read(ref _sum);

    public void Dispose() => _listener.Dispose();
}

internal static class MetadataExtensions
{
    public static object? Meta(this KernelContent content, string key) =>
        content.Metadata is { } m && m.TryGetValue(key, out var value) ? value : null;

    public static string? Source(this KernelContent content) => content.Meta(LlmMetadata.Source) as string;

    public static string? Source(this StreamingKernelContent content) =>
        content.Metadata is { } m && m.TryGetValue(LlmMetadata.Source, out var value) ? value as string : null;
}
