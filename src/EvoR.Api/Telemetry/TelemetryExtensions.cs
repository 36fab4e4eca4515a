using EvoR.Pipeline.Methods;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EvoR.Api.Telemetry;

/// <summary>OpenTelemetry metrics (Prometheus scraping at <c>/metrics</c>) and tracing, plus OTLP export when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.</summary>
public static class TelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    public static IHostApplicationBuilder AddEvoRTelemetry(this IHostApplicationBuilder builder)
    {
        builder.AddEvoRConsoleLogging();
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(TelemetryNames.ServiceName))
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryNames.Sandbox, TelemetryNames.Generations, TelemetryNames.Llm, PipelineTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(TelemetryNames.Sandbox, TelemetryNames.Llm, PipelineTelemetry.Name)
                .AddNpgsql()
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !context.Request.Path.StartsWithSegments(MetricsPath, StringComparison.Ordinal)));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }
}
