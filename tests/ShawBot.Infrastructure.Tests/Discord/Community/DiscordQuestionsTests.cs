using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Community;
using ShawBot.Infrastructure.Discord.Models;

namespace ShawBot.Infrastructure.Tests.Discord.Community;

public sealed class DiscordQuestionsTests
{
    private const ulong Self = 900;
    private const ulong Review = 5555;
    private static readonly SourceEntry Server = new("community", SourcePlatform.Discord, "Shaw community", null, 42, [7001], [7002]);
    private static readonly CommunityChannel Mentions = new(7001, Server, AskChannel: false);
    private static readonly CommunityChannel Ask = new(7002, Server, AskChannel: true);
    private static readonly DiscordUser Ada = new() { Id = 2001, Username = "ada", GlobalName = "Ada L." };

    private static DiscordMessage Message(ulong channel, string content, DiscordUser? author = null) => new()
    {
        Id = 1_300_000_000_000_000_123, ChannelId = channel, GuildId = 42, Content = content, Author = author ?? Ada,
        Timestamp = new DateTimeOffset(2026, 12, 4, 17, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public void Each_rule_names_why_a_message_is_not_a_question()
    {
        Assert.Null(DiscordQuestions.Reject(Message(7002, "How big is NF4?"), Ask, Self, Review));
        Assert.Null(DiscordQuestions.Reject(Message(7001, "<@900> how big is NF4?"), Mentions, Self, Review));
        Assert.Null(DiscordQuestions.Reject(Message(7001, "hey how big?") with { Mentions = [new DiscordUser { Id = Self }] }, Mentions, Self, Review));
        Assert.Equal("no mention of the bot", DiscordQuestions.Reject(Message(7001, "how big is NF4?"), Mentions, Self, Review));
        Assert.Equal("the review channel", DiscordQuestions.Reject(Message(Review, "<@900> hi"), null, Self, Review));
        Assert.Equal("not a configured channel", DiscordQuestions.Reject(Message(7003, "<@900> hi"), null, Self, Review));
        Assert.Equal("another server", DiscordQuestions.Reject(Message(7002, "hi") with { GuildId = 43 }, Ask, Self, Review));
        Assert.Equal("our own message", DiscordQuestions.Reject(Message(7002, "hi", new DiscordUser { Id = Self, Bot = true }), Ask, Self, Review));
        Assert.Equal("a bot", DiscordQuestions.Reject(Message(7002, "hi", new DiscordUser { Id = 3001, Bot = true }), Ask, Self, Review));
        Assert.Equal("a webhook", DiscordQuestions.Reject(Message(7002, "hi") with { WebhookId = 77 }, Ask, Self, Review));
        Assert.Equal("a system message", DiscordQuestions.Reject(Message(7002, "hi") with { Type = 7 }, Ask, Self, Review));
        Assert.Equal("no text", DiscordQuestions.Reject(Message(7002, " <@!900> "), Ask, Self, Review));
        Assert.Equal("no author", DiscordQuestions.Reject(Message(7002, "hi") with { Author = null }, Ask, Self, Review));
    }

    [Fact]
    public void A_question_becomes_a_comment_whose_id_names_its_origin()
    {
        var message = Message(7002, "<@!900> How big is NF4? <@900>") with { EditedTimestamp = new DateTimeOffset(2026, 12, 4, 17, 5, 0, TimeSpan.Zero) };
        var comment = DiscordQuestions.ToComment(message, Ask, "ask-shawbot", Self);
        Assert.Equal("discord:42:7002:1300000000000000123", comment.CommentId);
        Assert.Equal(comment.CommentId, comment.ThreadId);
        Assert.Equal(("7002", "Shaw community › #ask-shawbot"), (comment.VideoId, comment.VideoTitle));
        Assert.Equal(("2001", "Ada L.", "How big is NF4?"), (comment.AuthorChannelId, comment.AuthorDisplayName, comment.Text));
        Assert.Equal((message.Timestamp!.Value, message.EditedTimestamp!.Value), (comment.PublishedAt, comment.UpdatedAt));
        Assert.Equal(new CommentOrigin(SourcePlatform.Discord, "42", "7002", "1300000000000000123"), CommentOrigin.Of(comment));
    }

    [Fact]
    public void Snowflakes_carry_their_time()
    {
        var time = new DateTimeOffset(2026, 12, 4, 17, 0, 0, 123, TimeSpan.Zero);
        ulong id = Snowflake.At(time);
        Assert.Equal((ulong)(time - new DateTimeOffset(2015, 1, 1, 0, 0, 0, TimeSpan.Zero)).TotalMilliseconds << 22, id);
        Assert.Equal(time, Snowflake.TimeOf(id));
        Assert.Equal(time, Snowflake.TimeOf(id + 4_194_303)); // the low 22 bits are worker and sequence
        Assert.Equal(0UL, Snowflake.At(new DateTimeOffset(2014, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }
}
