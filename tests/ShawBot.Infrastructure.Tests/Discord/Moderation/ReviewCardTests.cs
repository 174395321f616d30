using ShawBot.Core.Domain;
using ShawBot.Core.Screening;
using ShawBot.Core.Options;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Rest;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Infrastructure.Tests.YouTube;
using ShawBot.Infrastructure.Discord.Moderation;

namespace ShawBot.Infrastructure.Tests.Discord.Moderation;

/// <summary>The Discord card of a screened draft: the video title as the embed title, each screening reason in the flags field.</summary>
public sealed class ReviewCardTests
{
    [Fact]
    public void The_card_shows_the_video_title_and_every_screening_reason()
    {
        var at = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        var comment = new Comment("c1", "c1", "Qx7LmR2pA9c", "Fine-tuning LLMs with QLoRA", "UCx", "@cryptoKing_777",
            "🚀 Turn $100 into $10,000 with my AI trading signals, link in bio 🚀", at, at);
        var draft = new Draft(7, "c1", "Thanks! –ShawGPT", "tiny", "v0001", "greedy", at);
        string[] flags = ["spam: link (“link in bio”)", "spam: money (“Turn $100”)", "spam: crypto (“trading signals”)", DraftScreening.YouTubeLikelySpam];

        var card = ReviewMessages.Review(new ReviewItem(comment, draft, flags));

        var embed = card.Embeds![0];
        Assert.Equal("▶️ YouTube · Fine-tuning LLMs with QLoRA", embed.Title); // the source, then the video title
        var field = Assert.Single(embed.Fields!);
        Assert.Equal("⚠️ Flags", field.Name);
        Assert.Equal("spam: link (“link in bio”); spam: money (“Turn $100”); spam: crypto (“trading signals”); likely spam (YouTube)", field.Value);
    }

    [Fact]
    public void With_several_sources_every_card_of_a_comment_names_its_source()
    {
        var at = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        string id = CommentOrigin.DiscordCommentId(42, 7, 1001);
        var comment = new Comment(id, id, "7", "Shaw's community › #ask", "U1", "member", "what rank should a LoRA have?", at, at);
        var draft = new Draft(9, id, "Start at 8. –ShawGPT", "tiny", "v0003", "greedy", at);
        var item = new ReviewItem(comment, draft, []);
        const string Expected = "💬 Discord · Community voice · Shaw's community › #ask";

        Assert.Equal(Expected, ReviewMessages.Review(item, "Community voice").Embeds![0].Title);
        Assert.Equal(Expected, ReviewMessages.Decided(item, DecisionKind.Approve, "mod", null, "Community voice").Embeds![0].Title);
        Assert.Equal(Expected, ReviewMessages.Final(item, CommentState.Posted, null, "Community voice").Embeds![0].Title);
        Assert.Equal("💬 Discord · Shaw's community › #ask", ReviewMessages.Review(item).Embeds![0].Title);     // one source: nothing to tell apart
    }

    [Fact]
    public void The_moderation_channel_names_a_comments_source_only_when_there_are_several()
    {
        using var folder = new TempFolder();
        var store = new SqliteCommentStore(Microsoft.Extensions.Options.Options.Create(new StoreOptions { DatabasePath = folder.File("shawbot.db") }), TimeProvider.System);
        var at = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        string id = CommentOrigin.DiscordCommentId(42, 7, 1001);
        var discord = new Comment(id, id, "7", "#ask", "U1", "member", "hi", at, at);
        var youTube = new Comment("Ugx1", "Ugx1", "vid", "A video", "U2", "viewer", "hi", at, at);
        DiscordModerationChannel Channel(params SourceEntryOptions[] entries) => new(
            new DiscordRestClient(new HttpClient(), new DiscordRestOptions { Token = "t" }, Microsoft.Extensions.Logging.Abstractions.NullLogger<DiscordRestClient>.Instance),
            store, store, new StaticOptions<DiscordModerationOptions>(new DiscordModerationOptions()), Microsoft.Extensions.Logging.Abstractions.NullLogger<DiscordModerationChannel>.Instance,
            new SourceCatalog(Microsoft.Extensions.Options.Options.Create(new ChannelOptions { ChannelId = "UCshaw" }), Microsoft.Extensions.Options.Options.Create(new SourcesOptions { Channels = [.. entries] })));

        var several = Channel(new SourceEntryOptions { Id = "community", Platform = SourcePlatform.Discord, DisplayName = "Community voice", GuildId = 42, ChannelIds = [7] });
        Assert.Equal("Community voice", several.SourceOf(discord));
        Assert.Equal("YouTube channel", several.SourceOf(youTube));          // the single-channel setting is the list's YouTube entry
        var one = Channel();
        Assert.Null(one.SourceOf(youTube));

        // Two YouTube channels: the comment's recorded entry names its channel on the card (a row from before it: the default channel).
        var two = Channel(
            new SourceEntryOptions { Id = "main", ChannelId = "UCshaw", DisplayName = "Shaw Talks", TokenDirectory = "secrets/main" },
            new SourceEntryOptions { Id = "labs", ChannelId = "UClabs", TokenDirectory = "secrets/labs" });
        Assert.Equal("YouTube labs", two.SourceOf(youTube with { SourceId = "labs" }));
        Assert.Equal("Shaw Talks", two.SourceOf(youTube with { SourceId = "main" }));
        Assert.Equal("Shaw Talks", two.SourceOf(youTube));
    }
}
