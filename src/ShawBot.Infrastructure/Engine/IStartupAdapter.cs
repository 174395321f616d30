namespace ShawBot.Infrastructure.Engine;

/// <summary>
/// Chooses the adapter that is live when <see cref="LanguageModel"/> loads the base. The service's
/// is the adapter registry's pointer (Adapters/RegistryStartupAdapter); without one,
/// <see cref="EngineOptions.AdapterPath"/> decides.
/// </summary>
public interface IStartupAdapter
{
    /// <summary>The adapter to load, <see cref="StartupAdapter.BaseModel"/> for none on purpose, or null for no opinion (then AdapterPath).</summary>
    StartupAdapter? Choose();
}

/// <summary>An adapter folder to load under <paramref name="Name"/>; both null: the bare base model.</summary>
public sealed record StartupAdapter(string? Name, string? Folder)
{
    public static StartupAdapter BaseModel { get; } = new(null, null);
}
