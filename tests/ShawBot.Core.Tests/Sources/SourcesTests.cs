using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Sources;

namespace ShawBot.Core.Tests.Sources;

public sealed class SourcesTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private static Comment CommentWith(string id, string thread, string video, string? title) =>
        new(id, thread, video, title, "UCauthor", "Ada", "Hi", At, At);

    [Fact]
    public void A_YouTube_comment_is_known_by_its_own_id_and_links_to_the_video()
    {
        var comment = CommentWith("UgzAbC-12_x", "UgzAbC-12_x", "dQw4w9WgXcQ", "Fine-tuning LLMs");
        var origin = CommentOrigin.Of(comment);
        Assert.Equal(new CommentOrigin(SourcePlatform.YouTube, "", "dQw4w9WgXcQ", "UgzAbC-12_x"), origin);
        Assert.Equal("YouTube", origin.PlatformName);
        Assert.Equal("https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzAbC-12_x", origin.Url(comment));
        Assert.Equal("Fine-tuning LLMs", CommentOrigin.Place(comment));
        Assert.Equal("Video dQw4w9WgXcQ", CommentOrigin.Place(comment with { VideoTitle = null }));
    }

    [Fact]
    public void A_Discord_comment_id_names_server_channel_and_message()
    {
        var id = CommentOrigin.DiscordCommentId(900_000_000_000_000_002, 7002, 1_234_567_890_123_456_789);
        Assert.Equal("discord:900000000000000002:7002:1234567890123456789", id);
        var comment = CommentWith(id, id, "7002", "Shaw community › #ask");
        var origin = CommentOrigin.Of(comment);
        Assert.Equal(new CommentOrigin(SourcePlatform.Discord, "900000000000000002", "7002", "1234567890123456789"), origin);
        Assert.Equal((7002UL, 1_234_567_890_123_456_789UL), (origin.DiscordChannelId, origin.DiscordMessageId));
        Assert.Equal("https://discord.com/channels/900000000000000002/7002/1234567890123456789", origin.Url(comment));
        Assert.Equal("channel 7002", CommentOrigin.Place(comment with { VideoTitle = null }));
        var bad = Assert.Throws<FormatException>(() => CommentOrigin.Of(CommentWith("discord:1:x:3", "t", "v", null)));
        Assert.Contains("'discord:1:x:3'", bad.Message);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddShawBotCore(configuration).BuildServiceProvider();   // Core binds ShawBot:Channels once
    }

    private static IReadOnlyList<SourceEntry> Resolve(ServiceProvider provider) =>
        SourceDirectory.Resolve(provider.GetRequiredService<IOptions<ChannelOptions>>().Value, provider.GetRequiredService<IOptions<SourcesOptions>>().Value);

    [Fact]
    public void The_single_channel_settings_are_a_one_item_list()
    {
        using var provider = Build(new() { ["ShawBot:Channel:ChannelId"] = "UC123" });
        var entry = Assert.Single(Resolve(provider));
        Assert.Equal(("youtube", SourcePlatform.YouTube, "YouTube channel", "UC123", 0UL), (entry.Id, entry.Platform, entry.DisplayName, entry.YouTubeChannelId, entry.GuildId));
        Assert.Empty(entry.ChannelIds.Concat(entry.AskChannelIds));
    }

    [Fact]
    public void A_Discord_server_is_one_more_entry_of_the_list()
    {
        using var provider = Build(new()
        {
            ["ShawBot:Channel:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:Id"] = "community",
            ["ShawBot:Channels:0:Platform"] = "Discord",
            ["ShawBot:Channels:0:DisplayName"] = "Shaw community",
            ["ShawBot:Channels:0:GuildId"] = "42",
            ["ShawBot:Channels:0:ChannelIds:0"] = "7001",
            ["ShawBot:Channels:0:AskChannelIds:0"] = "7002",
            ["ShawBot:Channels:0:AskChannelIds:1"] = "7003",
        });
        var entries = Resolve(provider);
        Assert.Equal(["youtube", "community"], entries.Select(e => e.Id));
        var discord = entries[1];
        Assert.Equal((SourcePlatform.Discord, "Shaw community", 42UL), (discord.Platform, discord.DisplayName, discord.GuildId));
        Assert.Equal([7001UL], discord.ChannelIds);
        Assert.Equal([7002UL, 7003UL], discord.AskChannelIds);
    }

    [Fact]
    public void A_YouTube_entry_in_the_list_replaces_the_implicit_one_and_must_name_the_same_channel()
    {
        using var same = Build(new()
        {
            ["ShawBot:Channel:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:Id"] = "main",
            ["ShawBot:Channels:0:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:DisplayName"] = "Shaw Talks",
        });
        var entry = Assert.Single(Resolve(same));
        Assert.Equal(("main", "Shaw Talks", "UC123"), (entry.Id, entry.DisplayName, entry.YouTubeChannelId));

        using var other = Build(new() { ["ShawBot:Channel:ChannelId"] = "UC123", ["ShawBot:Channels:0:ChannelId"] = "UC999" });
        var error = Assert.Throws<InvalidOperationException>(() => Resolve(other));
        Assert.Contains("'UC999'", error.Message);
        Assert.Contains("'UC123'", error.Message);
    }

    [Fact]
    public void Invalid_entries_fail_validation_naming_the_entry_and_field()
    {
        using var provider = Build(new()
        {
            ["ShawBot:Channel:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:Platform"] = "Discord",
            ["ShawBot:Channels:1:Platform"] = "Discord",
            ["ShawBot:Channels:1:GuildId"] = "42",
            ["ShawBot:Channels:1:ChannelIds:0"] = "0",
            ["ShawBot:Channels:2:Platform"] = "YouTube",
        });
        var message = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SourcesOptions>>().Value).Message;
        Assert.Contains("ShawBot:Channels:0:GuildId is required", message);
        Assert.Contains("ShawBot:Channels:0: name at least one of ChannelIds", message);
        Assert.Contains("ShawBot:Channels:1: a channel id of 0", message);
        Assert.Contains("ShawBot:Channels:2:ChannelId is required", message);
        Assert.Contains("the id 'discord' is used by 2 entries", message);
    }

    [Fact]
    public void Several_YouTube_channels_are_each_an_entry_and_the_single_channel_setting_names_the_default_one()
    {
        using var provider = Build(new()
        {
            ["ShawBot:Channel:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:Id"] = "labs",
            ["ShawBot:Channels:0:ChannelId"] = "UC456",
            ["ShawBot:Channels:0:TokenDirectory"] = "secrets/labs",
            ["ShawBot:Channels:0:AdapterPath"] = "adapters-labs",
            ["ShawBot:Channels:1:Id"] = "main",
            ["ShawBot:Channels:1:ChannelId"] = "UC123",
            ["ShawBot:Channels:1:DisplayName"] = "Shaw Talks",
        });
        var entries = Resolve(provider);
        Assert.Equal(
            [("labs", "YouTube labs", "UC456", "secrets/labs", "adapters-labs", false), ("main", "Shaw Talks", "UC123", (string?)null, (string?)null, true)],
            entries.Select(e => (e.Id, e.DisplayName, e.YouTubeChannelId, e.TokenDirectory, e.AdapterPath, e.IsDefault)));
        Assert.Equal("main", SourceDirectory.DefaultYouTube(entries)!.Id);

        // A YouTube comment id does not say its channel: the stored entry id does, and a row from before it is the default channel's.
        var comment = CommentWith("UgzAbC", "UgzAbC", "vid", null);
        Assert.Equal("labs", SourceDirectory.For(entries, comment with { SourceId = "labs" })!.Id);
        Assert.Equal("main", SourceDirectory.For(entries, comment)!.Id);
        Assert.Null(SourceDirectory.For(entries, comment with { SourceId = "retired" }));   // never another channel's
    }

    [Fact]
    public void Bad_channel_lists_fail_naming_the_setting_and_the_value()
    {
        using var provider = Build(new()
        {
            ["ShawBot:Channel:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:Id"] = "main",
            ["ShawBot:Channels:0:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:DisplayName"] = "Shaw",
            ["ShawBot:Channels:1:Id"] = "Main",
            ["ShawBot:Channels:1:ChannelId"] = "UC123",
            ["ShawBot:Channels:1:DisplayName"] = "shaw",
            ["ShawBot:Channels:1:TokenDirectory"] = "secrets/b",
            ["ShawBot:Channels:2:Id"] = "labs",
            ["ShawBot:Channels:2:TokenDirectory"] = "secrets/b",
        });
        var message = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SourcesOptions>>().Value).Message;
        Assert.Contains("the id 'main' is used by 2 entries", message);
        Assert.Contains("ShawBot:Channels:0:ChannelId and ShawBot:Channels:1:ChannelId are all 'UC123'", message);
        Assert.Contains("ShawBot:Channels:2:ChannelId is required for a YouTube entry", message);
        Assert.Contains("ShawBot:Channels:0:DisplayName and ShawBot:Channels:1:DisplayName are all 'Shaw'", message);
        Assert.Contains("ShawBot:Channels:1 and ShawBot:Channels:2 have TokenDirectory 'secrets/b'", message);

        using var shared = Build(new()
        {
            ["ShawBot:Channel:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:Id"] = "main",
            ["ShawBot:Channels:1:ChannelId"] = "UC456",
            ["ShawBot:Channels:1:Id"] = "labs",
        });
        var both = Assert.Throws<OptionsValidationException>(() => shared.GetRequiredService<IOptions<SourcesOptions>>().Value).Message;
        Assert.Contains("ShawBot:Channels:0 and ShawBot:Channels:1 leave TokenDirectory unset", both);

        using var notListed = Build(new()
        {
            ["ShawBot:Channel:ChannelId"] = "UC999",
            ["ShawBot:Channels:0:ChannelId"] = "UC123",
            ["ShawBot:Channels:0:Id"] = "main",
            ["ShawBot:Channels:0:TokenDirectory"] = "secrets/a",
            ["ShawBot:Channels:1:ChannelId"] = "UC456",
            ["ShawBot:Channels:1:Id"] = "labs",
            ["ShawBot:Channels:1:TokenDirectory"] = "secrets/b",
        });
        var error = Assert.Throws<InvalidOperationException>(() => Resolve(notListed));
        Assert.Contains("ShawBot:Channel:ChannelId is 'UC999' but the YouTube entries of ShawBot:Channels name 'UC123', 'UC456'", error.Message);
    }
}
