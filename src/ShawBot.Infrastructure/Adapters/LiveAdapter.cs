using Microsoft.Extensions.Logging;
using ShawBot.Core.Ports;
using ShawBot.Engine.Lora;
using ShawBot.Infrastructure.Engine;

namespace ShawBot.Infrastructure.Adapters;

/// <summary>
/// The live adapter: the one place that moves the registry's "active" pointer and swaps the engine
/// to match (load the version if it is not loaded, then <see cref="AdapterSet.SwapTo"/>: activate by
/// reference swap and drop the others; the base is never touched). Promotions, `/shawbot rollback`,
/// the page's rollback and the pointer watcher all go through here.
/// </summary>
/// <param name="model">The engine; absent in a host without one (then only the pointer moves).</param>
public sealed class LiveAdapter(AdapterRegistry registry, ILogger<LiveAdapter> logger, LanguageModel? model = null) : IAdapterAdmin
{
    private readonly object _gate = new();

    public AdapterRegistry Registry => registry;

    /// <summary>What new drafts use: the engine's adapter ("base" for none) once it is loaded, else the pointer.</summary>
    public string? LiveVersion => model is { IsLoaded: true } ? model.Adapters.Active?.Version ?? "base" : registry.ActiveVersion;

    public Task<AdminActionResult> RollbackAsync(string requestedBy, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            string? from = registry.ActiveVersion;
            if (from is null) return Task.FromResult(new AdminActionResult(false, "No adapter is active: the base model is already live."));
            string? to = registry.RollbackTarget();
            return Task.FromResult(Activate(to, requestedBy, $"rollback from {from}", $"Rolled back from {from} to {to ?? "the base model"}."));
        }
    }

    /// <summary>Points "active" at a version (null: the base model) and makes it live now.</summary>
    /// <param name="loaded">The version's weights when the caller already holds them (a promotion's candidate), so they are not read from disk again.</param>
    public AdminActionResult Activate(string? version, string requestedBy, string reason, string? message = null, LoraAdapter? loaded = null)
    {
        lock (_gate)
        {
            if (version != null && registry.Get(version) is null)
                return new AdminActionResult(false, $"No adapter version {version}.");
            registry.SetActive(version, requestedBy, reason);
            if (model != null) Swap(model.Adapters, version, loaded);
            logger.LogInformation("Adapter {Version} is live ({Reason}; by {RequestedBy})", version ?? "base", reason, requestedBy);
            return new AdminActionResult(true, message ?? $"{version ?? "The base model"} is live.");
        }
    }

    /// <summary>
    /// Swaps the engine to what the pointer names when something outside this process moved it
    /// (`shawbot adapters activate|rollback`, an offline retrain); true when it changed something.
    /// No pointer, or an engine not loaded yet, leaves everything as it is.
    /// </summary>
    public bool Follow()
    {
        if (model is not { IsLoaded: true }) return false;
        lock (_gate)
        {
            string? wanted = registry.ActiveVersion;
            if (wanted is null && !registry.HasExplicitBaseModel) return false;
            var set = model.Adapters;
            if (set.Active?.Version == wanted) return false;
            if (wanted != null && registry.Get(wanted) is null)
            {
                logger.LogWarning("adapters/active names {Version}, which is not a whole version; the live adapter stays", wanted);
                return false;
            }
            Swap(set, wanted, null);
            logger.LogInformation("Adapter {Version} is live (adapters/active changed outside this process)", wanted ?? "base");
            return true;
        }
    }

    private void Swap(AdapterSet set, string? version, LoraAdapter? loaded)
    {
        if (version != null && loaded is null && !set.Names.Contains(version))
            loaded = PeftAdapterFiles.Load(registry.VersionPath(version), set.Model, version);
        set.SwapTo(version, loaded);
    }
}

/// <summary>
/// The pointer's choice when the model loads (so the first draft already uses the live version):
/// the active version, the bare base model when an operator rolled back to it, or no opinion.
/// Swaps after that go through <see cref="LiveAdapter"/>.
/// </summary>
public sealed class RegistryStartupAdapter(AdapterRegistry registry, ILogger<RegistryStartupAdapter> logger) : IStartupAdapter
{
    public StartupAdapter? Choose()
    {
        registry.CompleteInterruptedPromotion();
        if (registry.ActiveVersion is { } active)
        {
            if (registry.Get(active) is { } version) return new StartupAdapter(active, version.Path);
            logger.LogWarning("The registry's active adapter {Version} is not in {Root}; using ShawBot:Engine:AdapterPath", active, registry.Root);
            return null;
        }
        return registry.HasExplicitBaseModel ? StartupAdapter.BaseModel : null;
    }
}
