using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using ShawBot.Core.Options;

namespace ShawBot.Core.Sources;

/// <summary>
/// One place whose comments ShawBot answers: an item of the "ShawBot:Channels" list. A YouTube entry
/// names its channel (UC…); a Discord entry names its server (guild) and the channels or threads read
/// there. The list is where per-source settings (voice, adapters) attach as they arrive.
/// </summary>
public sealed class SourceEntryOptions
{
    /// <summary>Stable key of the entry ("main", "community"); defaults to the platform's name.</summary>
    public string? Id { get; set; }

    public SourcePlatform Platform { get; set; } = SourcePlatform.YouTube;

    /// <summary>Shown on the review card and the page ("Shaw's community").</summary>
    public string? DisplayName { get; set; }

    /// <summary>YouTube: the channel id (UC…).</summary>
    public string? ChannelId { get; set; }

    /// <summary>Discord: the server (guild) id.</summary>
    public ulong GuildId { get; set; }

    /// <summary>Discord: channels or threads where a message that mentions the bot is a question.</summary>
    public List<ulong> ChannelIds { get; set; } = [];

    /// <summary>Discord: "ask" channels or threads where every message is a question (no mention needed).</summary>
    public List<ulong> AskChannelIds { get; set; } = [];

    /// <summary>
    /// This source's own adapter registry folder (vNNNN/ versions and its "active" pointer): its drafts use
    /// that registry's active adapter over the one shared base model. Absent: the global live adapter
    /// ("ShawBot:Adapters:Path"), as before.
    /// </summary>
    public string? AdapterPath { get; set; }

    /// <summary>This source's own prompts folder (template and instructions); absent: "ShawBot:Engine:PromptsPath".</summary>
    public string? PromptsPath { get; set; }
}

/// <summary>Binds "ShawBot:Channels" (a list of <see cref="SourceEntryOptions"/>); each item is validated with its index.</summary>
public sealed class SourcesOptions : IValidatableObject
{
    public const string Section = "ShawBot";

    public List<SourceEntryOptions> Channels { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Channels.Count; i++)
        {
            var entry = Channels[i];
            var at = $"ShawBot:Channels:{i}";
            if (entry.Platform == SourcePlatform.YouTube && string.IsNullOrWhiteSpace(entry.ChannelId))
            {
                yield return new ValidationResult($"{at}:ChannelId is required for a YouTube entry (the channel id, UC…).", [nameof(Channels)]);
            }

            if (entry.Platform == SourcePlatform.Discord)
            {
                if (entry.GuildId == 0)
                {
                    yield return new ValidationResult($"{at}:GuildId is required for a Discord entry (the server id).", [nameof(Channels)]);
                }

                if (entry.ChannelIds.Count + entry.AskChannelIds.Count == 0)
                {
                    yield return new ValidationResult($"{at}: name at least one of ChannelIds (mentions answered) or AskChannelIds (every message answered).", [nameof(Channels)]);
                }

                if (entry.ChannelIds.Concat(entry.AskChannelIds).Contains(0UL))
                {
                    yield return new ValidationResult($"{at}: a channel id of 0 is not a Discord id.", [nameof(Channels)]);
                }
            }
        }

        foreach (var duplicate in Channels.Select(SourceDirectory.KeyOf).GroupBy(k => k, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult($"ShawBot:Channels: the id '{duplicate.Key}' is used by {duplicate.Count()} entries; give each entry its own Id.", [nameof(Channels)]);
        }
    }
}

/// <summary>A resolved source entry.</summary>
/// <param name="AdapterPath">Its own adapter registry folder; null: the global live adapter.</param>
/// <param name="PromptsPath">Its own prompts folder; null: the engine's.</param>
public sealed record SourceEntry(
    string Id,
    SourcePlatform Platform,
    string DisplayName,
    string? YouTubeChannelId,
    ulong GuildId,
    IReadOnlyList<ulong> ChannelIds,
    IReadOnlyList<ulong> AskChannelIds,
    string? AdapterPath = null,
    string? PromptsPath = null);

/// <summary>
/// The one place that turns settings into source entries. The single-channel settings
/// ("ShawBot:Channel:ChannelId") are the YouTube entry when the list names none, so an existing
/// configuration is a one-item list unchanged; a YouTube entry in the list must name that same channel
/// (one YouTube channel per process until channels become a list of voices).
/// </summary>
public static class SourceDirectory
{
    public static string KeyOf(SourceEntryOptions entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return string.IsNullOrWhiteSpace(entry.Id) ? entry.Platform.ToString().ToLowerInvariant() : entry.Id.Trim();
    }

    public static IReadOnlyList<SourceEntry> Resolve(ChannelOptions channel, SourcesOptions sources)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(sources);
        var entries = new List<SourceEntry>();
        if (!sources.Channels.Any(c => c.Platform == SourcePlatform.YouTube) && !string.IsNullOrWhiteSpace(channel.ChannelId))
        {
            entries.Add(new SourceEntry("youtube", SourcePlatform.YouTube, "YouTube channel", channel.ChannelId, 0, [], []));
        }

        foreach (var entry in sources.Channels)
        {
            if (entry.Platform == SourcePlatform.YouTube && !string.Equals(entry.ChannelId, channel.ChannelId, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"ShawBot:Channels names YouTube channel '{entry.ChannelId}' but ShawBot:Channel:ChannelId is '{channel.ChannelId}'; one process answers one YouTube channel, so they must be the same.");
            }

            var name = string.IsNullOrWhiteSpace(entry.DisplayName) ? (entry.Platform == SourcePlatform.YouTube ? "YouTube channel" : "Discord server") : entry.DisplayName.Trim();
            entries.Add(new SourceEntry(KeyOf(entry), entry.Platform, name, entry.ChannelId, entry.GuildId, [.. entry.ChannelIds], [.. entry.AskChannelIds],
                Blank(entry.AdapterPath), Blank(entry.PromptsPath)));
        }

        return entries;
    }

    private static string? Blank(string? path) => string.IsNullOrWhiteSpace(path) ? null : path.Trim();

    /// <summary>
    /// The entry a stored comment came from, read off its platform-qualified id (see <see cref="CommentOrigin"/>):
    /// a Discord message belongs to the entry that reads its channel, else to the entry of its server; any other
    /// id is the YouTube entry's. Null when no entry matches (a comment stored under an older configuration).
    /// </summary>
    public static SourceEntry? For(IReadOnlyList<SourceEntry> entries, string commentId)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(commentId);
        if (CommentOrigin.DiscordPlaceOf(commentId) is not { } place)
        {
            return entries.FirstOrDefault(e => e.Platform == SourcePlatform.YouTube);
        }

        var discord = entries.Where(e => e.Platform == SourcePlatform.Discord && e.GuildId == place.Guild).ToList();
        return discord.FirstOrDefault(e => e.ChannelIds.Contains(place.Channel) || e.AskChannelIds.Contains(place.Channel)) ?? discord.FirstOrDefault();
    }
}

/// <summary>
/// The resolved "ShawBot:Channels" entries (<see cref="SourceDirectory.Resolve"/>), one instance for every
/// feature that needs to know a comment's source: the engine's voices, the page's source name.
/// </summary>
public sealed class SourceCatalog(IOptions<ChannelOptions> channel, IOptions<SourcesOptions> sources)
{
    private readonly Lazy<IReadOnlyList<SourceEntry>> _entries = new(() => SourceDirectory.Resolve(channel.Value, sources.Value));

    public IReadOnlyList<SourceEntry> Entries => _entries.Value;

    /// <summary>The entry a stored comment came from (<see cref="SourceDirectory.For"/>); null when none matches.</summary>
    public SourceEntry? For(string commentId) => SourceDirectory.For(Entries, commentId);
}
