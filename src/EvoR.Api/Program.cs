using EvoR.Api.Auth;
using EvoR.Api.ChatCompletions;
using EvoR.Api.Executions;
using EvoR.Api.Extensions;
using EvoR.Api.Generations;
using EvoR.Api.Health;
using EvoR.Api.KnowledgeBases;
using EvoR.Api.Languages;
using EvoR.Api.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
if (SettingsCheck.FindInvalidSettings(app.Services) is { } invalid)
{
    // A bad setting refuses the start with one line naming it (in the log too): no stack trace, exit code 1.
    ApiLog.StartRefused(app.Logger, invalid);
    Console.Error.WriteLine($"EvoR did not start: {invalid}");
    await app.DisposeAsync();
    return 1;
}

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapHealthApi();
app.MapLanguagesApi();
app.MapExecutionsApi();
app.MapKnowledgeBasesApi();
app.MapGenerationsApi();
app.MapChatCompletionsApi();
try
{
    app.Run();
    return 0;
}
catch (StartupRefusedException e)
{
    // A refusal by design, not a crash: say what to change, without a stack trace.
    Console.Error.WriteLine($"EvoR did not start: {e.Message}");
    return 1;
}

/// <summary>Entry point; public so functional tests can boot the app through WebApplicationFactory.</summary>
public partial class Program;
