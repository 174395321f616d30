namespace ShawBot.Core.Ports;

/// <summary>
/// Which adapter a voice drafts with, as the instances on one store agree on it: written when an instance
/// promotes (retrain, import, rollback, `shawbot adapters activate`), read by every instance, which then swaps
/// to it without a restart.
/// </summary>
/// <param name="SourceKey"><see cref="ILiveAdapterPointers.Global"/> for the global registry, else a "ShawBot:Channels" entry id.</param>
/// <param name="Version">The registry version (v0007); null: the bare base model.</param>
/// <param name="Path">Where the promoting instance keeps that version's files (read by an instance that lacks them); null for the base model.</param>
/// <param name="Sequence">Grows by one with each promotion of this key: an instance applies a pointer whose sequence it has not seen.</param>
public sealed record LiveAdapterPointer(string SourceKey, string? Version, string? Path, long Sequence, string PromotedBy, string Reason, DateTimeOffset PromotedAt);

/// <summary>The live-adapter pointers, one per voice, in the shared store.</summary>
public interface ILiveAdapterPointers
{
    /// <summary>The key of the global registry (ShawBot:Adapters:Path), which no entry id can be.</summary>
    public const string Global = "";

    /// <summary>Records a promotion atomically: the key's pointer now names <paramref name="version"/> and its sequence grows by one; returns it.</summary>
    Task<LiveAdapterPointer> PromoteAsync(string sourceKey, string? version, string? path, string promotedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Every key's pointer.</summary>
    Task<IReadOnlyList<LiveAdapterPointer>> ListLiveAdaptersAsync(CancellationToken cancellationToken);
}
