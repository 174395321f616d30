using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
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

    /// <summary>
    /// YouTube: the folder of this channel's OAuth refresh token (`shawbot auth youtube --token-dir DIR`, signed in as
    /// that channel): its replies are posted with it. Absent: "ShawBot:YouTube:TokenDirectory". Two YouTube entries
    /// must not share one (they would post as the same channel).
    /// </summary>
    public string? TokenDirectory { get; set; }
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

        var youTube = Channels.Select((entry, index) => (Entry: entry, At: $"ShawBot:Channels:{index}")).Where(e => e.Entry.Platform == SourcePlatform.YouTube).ToList();
        foreach (var same in youTube.Where(e => !string.IsNullOrWhiteSpace(e.Entry.ChannelId)).GroupBy(e => e.Entry.ChannelId!.Trim(), StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult(
                $"{string.Join(" and ", same.Select(e => $"{e.At}:ChannelId"))} are all '{same.Key}'; each YouTube channel is listed once.", [nameof(Channels)]);
        }

        foreach (var same in youTube.Where(e => !string.IsNullOrWhiteSpace(e.Entry.DisplayName)).GroupBy(e => e.Entry.DisplayName!.Trim(), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult(
                $"{string.Join(" and ", same.Select(e => $"{e.At}:DisplayName"))} are all '{same.Key}'; the page and the review cards tell the channels apart by it.", [nameof(Channels)]);
        }

        if (youTube.Count > 1)
        {
            foreach (var same in youTube.GroupBy(e => SourceDirectory.Blank(e.Entry.TokenDirectory) ?? "", StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                var which = same.Key.Length == 0 ? "leave TokenDirectory unset (so both use ShawBot:YouTube:TokenDirectory)" : $"have TokenDirectory '{same.Key}'";
                yield return new ValidationResult(
                    $"{string.Join(" and ", same.Select(e => e.At))} {which}: they would post as the same channel; give each YouTube entry its own TokenDirectory (`shawbot auth youtube --token-dir DIR`).",
                    [nameof(Channels)]);
            }
        }
    }
}

/// <summary>A resolved source entry.</summary>
/// <param name="AdapterPath">Its own adapter registry folder; null: the global live adapter.</param>
/// <param name="PromptsPath">Its own prompts folder; null: the engine's.</param>
/// <param name="TokenDirectory">YouTube: its own OAuth token folder; null: "ShawBot:YouTube:TokenDirectory".</param>
/// <param name="IsDefault">
/// The default YouTube entry: the channel ShawBot:Channel:ChannelId names. Comments stored before the store recorded
/// each comment's entry belong to it, and it keeps the poller's original watermark cursor.
/// </param>
public sealed record SourceEntry(
    string Id,
    SourcePlatform Platform,
    string DisplayName,
    string? YouTubeChannelId,
    ulong GuildId,
    IReadOnlyList<ulong> ChannelIds,
    IReadOnlyList<ulong> AskChannelIds,
    string? AdapterPath = null,
    string? PromptsPath = null,
    string? TokenDirectory = null,
    bool IsDefault = false);

/// <summary>
/// The one place that turns settings into source entries. The single-channel settings
/// ("ShawBot:Channel:ChannelId") are the YouTube entry when the list names none, so an existing
/// configuration is a one-item list unchanged. The list may name several YouTube channels, each polled and
/// answered with its own credential; ShawBot:Channel:ChannelId must be one of them: the default channel, which
/// comments stored before the store recorded their entry belong to.
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
        var listed = sources.Channels.Where(c => c.Platform == SourcePlatform.YouTube).ToList();
        if (listed.Count == 0 && !string.IsNullOrWhiteSpace(channel.ChannelId))
        {
            entries.Add(new SourceEntry("youtube", SourcePlatform.YouTube, "YouTube channel", channel.ChannelId, 0, [], [], IsDefault: true));
        }
        else if (listed.Count > 0 && !listed.Any(c => string.Equals(c.ChannelId?.Trim(), channel.ChannelId, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException(
                $"ShawBot:Channel:ChannelId is '{channel.ChannelId}' but the YouTube entries of ShawBot:Channels name {string.Join(", ", listed.Select(c => $"'{c.ChannelId}'"))}; " +
                "ShawBot:Channel:ChannelId must be one of them (the default channel, which comments stored before channels were recorded belong to).");
        }

        foreach (var entry in sources.Channels)
        {
            var youTube = entry.Platform == SourcePlatform.YouTube;
            var name = !string.IsNullOrWhiteSpace(entry.DisplayName) ? entry.DisplayName.Trim()
                : !youTube ? "Discord server"
                : listed.Count > 1 ? $"YouTube {KeyOf(entry)}"   // several channels: never two cards that both just say "YouTube channel"
                : "YouTube channel";
            var isDefault = youTube && string.Equals(entry.ChannelId?.Trim(), channel.ChannelId, StringComparison.Ordinal);
            entries.Add(new SourceEntry(KeyOf(entry), entry.Platform, name, entry.ChannelId?.Trim(), entry.GuildId, [.. entry.ChannelIds], [.. entry.AskChannelIds],
                Blank(entry.AdapterPath), Blank(entry.PromptsPath), youTube ? Blank(entry.TokenDirectory) : null, isDefault));
        }

        return entries;
    }

    internal static string? Blank(string? path) => string.IsNullOrWhiteSpace(path) ? null : path.Trim();

    /// <summary>The default YouTube entry (<see cref="SourceEntry.IsDefault"/>); null when there is no YouTube entry.</summary>
    public static SourceEntry? DefaultYouTube(IReadOnlyList<SourceEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return entries.FirstOrDefault(e => e.Platform == SourcePlatform.YouTube && e.IsDefault) ?? entries.FirstOrDefault(e => e.Platform == SourcePlatform.YouTube);
    }

    /// <summary>
    /// The entry a stored comment came from, read off its platform-qualified id (see <see cref="CommentOrigin"/>):
    /// a Discord message belongs to the entry that reads its channel, else to the entry of its server; any other
    /// id is the default YouTube entry's. Null when no entry matches (a comment stored under an older configuration).
    /// </summary>
    public static SourceEntry? For(IReadOnlyList<SourceEntry> entries, string commentId)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(commentId);
        if (CommentOrigin.DiscordPlaceOf(commentId) is not { } place)
        {
            return DefaultYouTube(entries);
        }

        var discord = entries.Where(e => e.Platform == SourcePlatform.Discord && e.GuildId == place.Guild).ToList();
        return discord.FirstOrDefault(e => e.ChannelIds.Contains(place.Channel) || e.AskChannelIds.Contains(place.Channel)) ?? discord.FirstOrDefault();
    }

    /// <summary>
    /// The entry of a stored comment that may carry its recorded entry id (<see cref="Comment.SourceId"/>): the entry
    /// of that id; without one, <see cref="For(IReadOnlyList{SourceEntry}, string)"/>. A YouTube comment whose recorded
    /// entry is no longer configured matches nothing (null), so it is never drafted or posted as another channel.
    /// </summary>
    public static SourceEntry? For(IReadOnlyList<SourceEntry> entries, string commentId, string? sourceId)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(commentId);
        if (sourceId is null)
        {
            return For(entries, commentId);
        }

        return entries.FirstOrDefault(e => string.Equals(e.Id, sourceId, StringComparison.OrdinalIgnoreCase))
            ?? (CommentOrigin.DiscordPlaceOf(commentId) is null ? null : For(entries, commentId));
    }

    /// <summary>The entry of a stored comment (<see cref="For(IReadOnlyList{SourceEntry}, string, string?)"/> with its <see cref="Comment.SourceId"/>).</summary>
    public static SourceEntry? For(IReadOnlyList<SourceEntry> entries, Comment comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return For(entries, comment.CommentId, comment.SourceId);
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

    /// <summary>The entry a stored comment id belongs to when its recorded entry is unknown (<see cref="SourceDirectory.For(IReadOnlyList{SourceEntry}, string)"/>).</summary>
    public SourceEntry? For(string commentId) => SourceDirectory.For(Entries, commentId);

    /// <summary>The entry a stored comment came from, by its recorded entry first; null when none matches.</summary>
    public SourceEntry? For(Comment comment) => SourceDirectory.For(Entries, comment);

    /// <summary>The default YouTube entry (ShawBot:Channel:ChannelId's).</summary>
    public SourceEntry? DefaultYouTube => SourceDirectory.DefaultYouTube(Entries);
}
