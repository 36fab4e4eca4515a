using EvoR.Api.Executions;
using EvoR.Api.Extensions;
using EvoR.Api.Health;
using EvoR.Api.Languages;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapHealthApi();
app.MapLanguagesApi();
app.MapExecutionsApi();
app.Run();

/// <summary>Entry point; public so functional tests can boot the app through WebApplicationFactory.</summary>
public partial class Program;
