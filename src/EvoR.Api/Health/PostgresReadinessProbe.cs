using EvoR.Api.Generations;
using EvoR.Pipeline.Knowledge;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EvoR.Api.Health;

/// <summary>
/// Whether PostgreSQL answers (<c>SELECT 1</c> over a connection of its own pool), when <c>Generations:Store=postgres</c>
/// or <c>Knowledge:Store=postgres</c> makes the service depend on it; null when neither does. A replica whose database
/// does not answer can neither claim jobs nor follow documents, so it is not ready.
/// </summary>
internal sealed class PostgresReadinessProbe : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _dataSource;
    private readonly string _users;

    public PostgresReadinessProbe(IConfiguration configuration, IOptions<GenerationOptions> generations, IOptions<KnowledgeOptions> knowledge)
    {
        var users = new List<string>();
        if (generations.Value.UsesPostgres)
        {
            users.Add("Generations:Store");
        }

        if (knowledge.Value.Store == KnowledgeOptions.PostgresStore)
        {
            users.Add("Knowledge:Store");
        }

        _users = string.Join(" and ", users);
        if (users.Count > 0 && configuration.GetConnectionString(GenerationOptions.ConnectionStringName) is { Length: > 0 } connectionString)
        {
            // A pool of one: the check must not take connections from the stores, nor pile up while the server is away.
            _dataSource = new NpgsqlDataSourceBuilder(connectionString)
            {
                ConnectionStringBuilder = { MaxPoolSize = 1, ApplicationName = "evor-health" },
            }.Build();
        }
    }

    /// <summary>Null when PostgreSQL is not used; else whether it answered, and why not.</summary>
    public async Task<DependencyCheck?> CheckAsync(CancellationToken cancellationToken)
    {
        if (_users.Length == 0)
        {
            return null;
        }

        if (_dataSource is null)
        {
            return new DependencyCheck { Healthy = false, Message = $"{_users}=postgres but ConnectionStrings:EvoR is not set." };
        }

        try
        {
            await using var command = _dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return new DependencyCheck { Healthy = true, Message = $"PostgreSQL answered ({_users}=postgres)." };
        }
        catch (Exception error) when (error is NpgsqlException or InvalidOperationException or TimeoutException
            || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new DependencyCheck { Healthy = false, Message = $"PostgreSQL does not answer ({_users}=postgres): {Innermost(error).Message}" };
        }
    }

    public ValueTask DisposeAsync() => _dataSource?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static Exception Innermost(Exception error) => error.InnerException is { } inner ? Innermost(inner) : error;
}
