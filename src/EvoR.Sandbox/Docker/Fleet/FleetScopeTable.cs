using System.Diagnostics.CodeAnalysis;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// Which engine each scope's runs went to (<see cref="FleetScope"/>): its containers live there, so its next runs wait
/// for that engine rather than move. Bounded, because scopes that end without <c>EndScopeAsync</c> would otherwise be
/// kept for ever: past <see cref="MaxScopes"/> the half used longest ago is forgotten, and one that comes back is
/// placed afresh. Not thread-safe on its own: <see cref="FleetRouter"/> calls it under its lock.
/// </summary>
internal sealed class FleetScopeTable
{
    /// <summary>Most scopes kept; past it the half used longest ago is forgotten.</summary>
    public const int MaxScopes = 4096;

    private readonly Dictionary<string, (FleetEngine Engine, long LastUsed)> _scopes = new(StringComparer.Ordinal);

    /// <summary>Scopes bound now.</summary>
    public int Count => _scopes.Count;

    /// <summary>The engine the scope is bound to, if it is.</summary>
    public bool TryGet(string scope, [MaybeNullWhen(false)] out FleetEngine engine)
    {
        var found = _scopes.TryGetValue(scope, out var bound);
        engine = bound.Engine;
        return found;
    }

    /// <summary>Binds the scope to the engine just picked for it; <paramref name="pick"/> is that pick's sequence number.</summary>
    public void Bind(string scope, FleetEngine engine, long pick)
    {
        _scopes[scope] = (engine, pick);
        if (_scopes.Count > MaxScopes)
        {
            // Forget the half of the scopes used longest ago; one that comes back is placed afresh.
            foreach (var old in _scopes.OrderBy(s => s.Value.LastUsed).Take(MaxScopes / 2).Select(s => s.Key).ToList())
            {
                _scopes.Remove(old);
            }
        }
    }

    public void Remove(string scope) => _scopes.Remove(scope);
}
