using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox;

// TEMPORARY: lets the bench compile until branch main provides the real AddEvoRSandbox; removed at that merge.
internal static class TemporaryAddEvoRSandboxStandIn
{
    public static IServiceCollection AddEvoRSandbox(this IServiceCollection services, IConfiguration configuration) =>
        throw new NotSupportedException("The sandbox is not merged into this branch yet.");
}
