using System.Diagnostics;
using System.Globalization;

namespace EvoR.Testing;

/// <summary>
/// Waiting in a test for what another thread or process does: the condition is polled every 20 ms, and a wait that
/// outlasts its limit fails naming what it waited for. A fixed sleep instead is either too short on a loaded machine
/// or too long everywhere else.
/// </summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, string what, TimeSpan limit, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > limit)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"waited {limit.TotalSeconds:0.#} s for: {what}"));
            }

            await Task.Delay(20, cancellationToken);
        }
    }
}
