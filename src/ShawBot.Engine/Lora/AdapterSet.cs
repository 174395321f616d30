using ShawBot.Engine.Model;

namespace ShawBot.Engine.Lora;

/// <summary>
/// Adapters loaded beside one base model, one of them active. Activation is a reference swap
/// (Volatile.Write): a generation that already took <see cref="Active"/> finishes with the
/// adapter it started with; the base weights are never touched or copied.
/// </summary>
public sealed class AdapterSet
{
    private readonly Dictionary<string, LoraAdapter> _adapters = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private LoraAdapter? _active;

    public AdapterSet(ModelConfig model) => Model = model ?? throw new ArgumentNullException(nameof(model));

    public ModelConfig Model { get; }

    /// <summary>The adapter new generations use, or null for the bare base model.</summary>
    public LoraAdapter? Active => Volatile.Read(ref _active);

    public IReadOnlyCollection<string> Names { get { lock (_gate) return _adapters.Keys.ToArray(); } }

    public LoraAdapter Load(string name, string folder)
    {
        var adapter = PeftAdapterFiles.Load(folder, Model, name);
        Add(name, adapter);
        return adapter;
    }

    public void Add(string name, LoraAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        lock (_gate) _adapters[name] = adapter;
        adapter.Version = name;
    }

    /// <summary>Makes <paramref name="name"/> active (null: no adapter).</summary>
    public void Activate(string? name)
    {
        lock (_gate)
        {
            LoraAdapter? next = null;
            if (name != null && !_adapters.TryGetValue(name, out next))
                throw new KeyNotFoundException($"no adapter named '{name}' is loaded (loaded: {string.Join(", ", _adapters.Keys)})");
            Volatile.Write(ref _active, next);
        }
    }

    /// <summary>
    /// Makes <paramref name="name"/> live (null: the bare base model) and drops every other adapter, in
    /// one step under the lock: <paramref name="adapter"/> is added under that name first when given,
    /// else the adapter must already be loaded. Generations that took the old <see cref="Active"/>
    /// finish with it; its memory goes when they do.
    /// </summary>
    public void SwapTo(string? name, LoraAdapter? adapter = null)
    {
        lock (_gate)
        {
            LoraAdapter? next = null;
            if (name != null)
            {
                if (adapter != null)
                {
                    _adapters[name] = adapter;
                    adapter.Version = name;
                }
                if (!_adapters.TryGetValue(name, out next))
                    throw new KeyNotFoundException($"no adapter named '{name}' is loaded (loaded: {string.Join(", ", _adapters.Keys)}) and none was given");
            }
            else if (adapter != null)
            {
                throw new ArgumentException("an adapter was given without a name to load it under", nameof(adapter));
            }
            Volatile.Write(ref _active, next);
            foreach (var other in _adapters.Keys.Where(k => k != name).ToList()) _adapters.Remove(other);
        }
    }

    /// <summary>Drops an adapter; its memory goes once no generation still holds it.</summary>
    public bool Unload(string name)
    {
        lock (_gate)
        {
            if (!_adapters.Remove(name, out var a)) return false;
            if (ReferenceEquals(_active, a)) Volatile.Write(ref _active, null);
            return true;
        }
    }
}
