using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using ShawBot.Core.Options;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Gateway;
using ShawBot.Infrastructure.Discord.Moderation;

namespace ShawBot.Infrastructure.Discord.Community;

/// <summary>Section "ShawBot:Discord:Community": bounds of the history reads.</summary>
public sealed class DiscordCommunityOptions
{
    public const string Section = "ShawBot:Discord:Community";

    /// <summary>Messages read per channel when catching up after a resume or restart; older missed ones are left.</summary>
    [Range(1, 100_000)]
    public int MaxCatchUpMessages { get; set; } = 1000;

    /// <summary>Pages of 100 read when looking for our own reply after an unknown outcome.</summary>
    [Range(1, 1000)]
    public int MaxReplySearchPages { get; set; } = 10;
}

/// <summary>Where a configured channel belongs and whether every message there is a question.</summary>
public sealed record CommunityChannel(ulong ChannelId, SourceEntry Source, bool AskChannel);

/// <summary>
/// The Discord entries of "ShawBot:Channels", resolved once: the channels read, the intents that needs
/// (none without an entry, so a moderation-only bot never asks for the privileged Message Content intent).
/// </summary>
public sealed class DiscordCommunitySettings
{
    public DiscordCommunitySettings(IOptions<ChannelOptions> channel, IOptions<SourcesOptions> sources, IOptions<DiscordModerationOptions> discord)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(discord);
        var review = discord.Value.ChannelId;
        var channels = new Dictionary<ulong, CommunityChannel>();
        foreach (var source in SourceDirectory.Resolve(channel.Value, sources.Value).Where(s => s.Platform == SourcePlatform.Discord))
        {
            foreach (var (id, ask) in source.ChannelIds.Select(id => (id, false)).Concat(source.AskChannelIds.Select(id => (id, true))))
            {
                if (id == review)
                {
                    throw new OptionsValidationException(SourcesOptions.Section, typeof(SourcesOptions),
                        [$"ShawBot:Channels entry '{source.Id}' lists channel {id}, which is the review channel (ShawBot:Discord:ChannelId); questions must come from other channels."]);
                }

                if (!channels.TryAdd(id, new CommunityChannel(id, source, ask)))
                {
                    throw new OptionsValidationException(SourcesOptions.Section, typeof(SourcesOptions),
                        [$"Discord channel {id} is listed twice in ShawBot:Channels ('{channels[id].Source.Id}' and '{source.Id}')."]);
                }
            }
        }

        Channels = channels;
        ReviewChannelId = review;
        ApplicationId = discord.Value.ApplicationId;
    }

    public IReadOnlyDictionary<ulong, CommunityChannel> Channels { get; }

    public ulong ReviewChannelId { get; }

    /// <summary>A bot's user id is its application id unless READY says otherwise.</summary>
    public ulong ApplicationId { get; }

    public int Intents => Channels.Count == 0 ? 0 : GatewayIntents.CommunityMessages;
}
