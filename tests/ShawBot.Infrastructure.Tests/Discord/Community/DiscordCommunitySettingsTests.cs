using Microsoft.Extensions.Options;
using ShawBot.Core.Options;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Community;
using ShawBot.Infrastructure.Discord.Gateway;
using ShawBot.Infrastructure.Discord.Moderation;

namespace ShawBot.Infrastructure.Tests.Discord.Community;

public sealed class DiscordCommunitySettingsTests
{
    private static DiscordCommunitySettings Settings(params SourceEntryOptions[] entries) => new(
        Options.Create(new ChannelOptions { ChannelId = "UC123" }),
        Options.Create(new SourcesOptions { Channels = [.. entries] }),
        Options.Create(new DiscordModerationOptions { BotToken = "t", ApplicationId = 900, GuildId = 42, ChannelId = 5555, ModeratorUserIds = [1] }));

    private static SourceEntryOptions Server(string id, ulong[] mentions, ulong[] ask) =>
        new() { Id = id, Platform = SourcePlatform.Discord, GuildId = 42, ChannelIds = [.. mentions], AskChannelIds = [.. ask] };

    [Fact]
    public void Without_a_Discord_entry_no_message_intents_are_asked_for()
    {
        var settings = Settings();
        Assert.Empty(settings.Channels);
        Assert.Equal(0, settings.Intents);
        Assert.Equal((5555UL, 900UL), (settings.ReviewChannelId, settings.ApplicationId));
    }

    [Fact]
    public void A_Discord_entry_maps_its_channels_and_asks_for_guild_messages_and_message_content()
    {
        var settings = Settings(Server("community", [7001], [7002]));
        Assert.Equal((1 << 9) | (1 << 15), settings.Intents);
        Assert.Equal(GatewayIntents.CommunityMessages, settings.Intents);
        Assert.Equal([(7001UL, false), (7002UL, true)], settings.Channels.Values.OrderBy(c => c.ChannelId).Select(c => (c.ChannelId, c.AskChannel)));
        Assert.All(settings.Channels.Values, c => Assert.Equal("community", c.Source.Id));
    }

    [Fact]
    public void The_review_channel_or_a_channel_listed_twice_is_refused_by_name()
    {
        var review = Assert.Throws<OptionsValidationException>(() => Settings(Server("community", [5555], [])));
        Assert.Contains("entry 'community' lists channel 5555, which is the review channel", review.Message);
        var twice = Assert.Throws<OptionsValidationException>(() => Settings(Server("a", [7001], []), Server("b", [], [7001])));
        Assert.Contains("Discord channel 7001 is listed twice in ShawBot:Channels ('a' and 'b')", twice.Message);
    }
}
