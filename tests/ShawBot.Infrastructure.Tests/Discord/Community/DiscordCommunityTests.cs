using Microsoft.Extensions.DependencyInjection;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Discord.Community;
using ShawBot.Infrastructure.Tests.Discord.Moderation;
using ShawBot.Sandbox.Discord;
using Xunit.Abstractions;
using static ShawBot.Infrastructure.Tests.Discord.Community.CommunitySetup;

namespace ShawBot.Infrastructure.Tests.Discord.Community;

/// <summary>Questions asked in a Discord server: drafted, moderated in the review channel, answered as replies exactly once.</summary>
[Collection(DiscordTimingCollection.Name)]
public sealed class DiscordCommunityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Mention_IsDrafted_ApprovedInTheReviewChannel_AndAnsweredAsAReplyToThatMessageOnce()
    {
        await using var host = await StartAsync(output);
        var before = host.Discord.PostUserMessage(General, Ben, "unrelated chatter before the question").Message;
        var post = host.Discord.PostUserMessage(General, Ada, "Which LoRA rank should I start with?", mentionBot: true);
        Assert.True(post.Delivered);

        var (review, tracked) = await ReviewOfAsync(host, General, post.Message, "Which LoRA rank should I start with?");
        // The stored question: mention stripped, the channel where a video would be, the author.
        Assert.Equal("Which LoRA rank should I start with?", tracked.Comment.Text);
        Assert.Equal("Ada", tracked.Comment.AuthorDisplayName);
        Assert.Equal($"{ServerName} › #general", tracked.Comment.VideoTitle);
        // The card says where it came from, with a link to the message.
        string guild = host.Discord.Options.GuildId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"💬 Discord · {ServerName} › #general", review.EmbedText);
        Assert.Contains($"https://discord.com/channels/{guild}/{General}/{post.Message.Id}", review.EmbedText);

        host.Discord.ClickButton(ModerationHost.ReviewChannel, review.Id, $"sb:approve:{tracked.CurrentDraftId}", ModerationHost.Moderator);
        await host.WaitForStateAsync(tracked.Comment.CommentId, CommentState.Posted);
        await DiscordSandbox.WaitUntilAsync(() => host.Discord.Rest.GetMessage(review.Id)!.Content.Contains("posting to Discord", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5), "the card names Discord as where the reply goes");
        await Task.Delay(600); // three more publisher rounds: nothing more may be posted

        var reply = Assert.Single(host.Discord.Rest.RepliesTo(General, post.Message.Id));
        Assert.Equal("Reply #1 to Ada –ShawGPT", reply.Content);
        Assert.Equal(host.Discord.Options.ApplicationId, reply.AuthorId);
        Assert.Equal("""{"parse":[],"replied_user":true}""", reply.AllowedMentionsJson);
        Assert.Empty(host.Discord.Rest.RepliesTo(General, before.Id));
        Assert.Null(await host.Store.GetCommentAsync(CommentId(host, General, before), CancellationToken.None)); // no mention: not a question
        var posted = Assert.Single(await host.Store.ListPostedRepliesAsync(CancellationToken.None));
        Assert.Equal((tracked.Comment.CommentId, reply.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), (posted.CommentId, posted.YouTubeReplyId));
        Assert.Empty(host.YouTube.OwnerReplies()); // nothing went to YouTube

        // The curated reply feeds retraining like a YouTube one; its id names the source.
        var curated = Assert.Single(await host.Store.ListCuratedExamplesAsync(CancellationToken.None));
        Assert.Equal((tracked.Comment.CommentId, "Which LoRA rank should I start with?", "Reply #1 to Ada –ShawGPT"), (curated.CommentId, curated.CommentText, curated.Reply));
        var dataset = ShawBot.Infrastructure.Retraining.RetrainDataset.Build([curated], [], 0.0);
        Assert.Equal([$"discord:{guild}:{General}:{post.Message.Id}"], dataset.CuratedIds);
    }

    [Fact]
    public async Task Bots_Webhooks_OwnMessages_TheReviewChannel_AndOtherChannels_AreIgnored()
    {
        await using var host = await StartAsync(output);
        var self = new SandboxUser(host.Discord.Options.ApplicationId, "ShawBot");
        var ignored = new (ulong Channel, SandboxMessage Message)[]
        {
            (Ask, host.Discord.PostUserMessage(Ask, new SandboxUser(3001, "OtherBot"), "a bot asks", mentionBot: true, bot: true).Message),
            (Ask, host.Discord.PostUserMessage(Ask, new SandboxUser(3002, "Hook"), "a webhook asks", mentionBot: true, webhookId: 4242).Message),
            (Ask, host.Discord.PostUserMessage(Ask, self, "the bot itself").Message),
            (ModerationHost.ReviewChannel, host.Discord.PostUserMessage(ModerationHost.ReviewChannel, ModerationHost.Moderator, "a moderator in the review channel", mentionBot: true).Message),
            (Elsewhere, host.Discord.PostUserMessage(Elsewhere, Ada, "a channel nobody configured", mentionBot: true).Message),
            (General, host.Discord.PostUserMessage(General, Ada, "no mention in a mention channel").Message),
        };
        // In the ask channel no mention is needed. Events are handled in order, so once this one is
        // stored every message above has been looked at.
        var asked = host.Discord.PostUserMessage(Ask, Ben, "Does QLoRA work on a CPU?").Message;
        await ReviewOfAsync(host, Ask, asked, "Does QLoRA work on a CPU?");

        foreach (var (channel, message) in ignored)
        {
            Assert.Null(await host.Store.GetCommentAsync(CommentId(host, channel, message), CancellationToken.None));
        }

        var counts = await host.Store.CountByStateAsync(CancellationToken.None);
        Assert.Equal(1, counts.Values.Sum());
        Assert.Equal(1, Intake(host).Stored);
    }

    [Fact]
    public async Task GatewayDrop_DuringIntake_MissedMessagesAreCaughtUp_AndNoneIsAnsweredTwice()
    {
        await using var host = await StartAsync(output);
        var first = host.Discord.PostUserMessage(Ask, Ada, "Question one: what is NF4?");
        await ReviewOfAsync(host, Ask, first.Message, "Question one: what is NF4?");

        host.Discord.Gateway.Abort(); // TCP gone without a close frame; the client resumes after its back-off
        var missed = new[]
        {
            host.Discord.PostUserMessage(Ask, Ben, "Question two: why LoRA?"),
            host.Discord.PostUserMessage(General, Ada, "Question three: how long does a retrain take?", mentionBot: true),
        };
        Assert.All(missed, m => Assert.False(m.Delivered)); // the gateway never carried them
        await WaitForCatchUpsAsync(host, 2);

        await ApproveAsync(host, Ask, first.Message, "Question one: what is NF4?");
        await ApproveAsync(host, Ask, missed[0].Message, "Question two: why LoRA?");
        await ApproveAsync(host, General, missed[1].Message, "Question three: how long does a retrain take?");
        // Replayed or read twice, each question is one comment with one draft card and one reply.
        host.Discord.Gateway.Abort();
        await WaitForCatchUpsAsync(host, 3);
        await Task.Delay(600);

        Assert.Equal(3, (await host.Store.CountByStateAsync(CancellationToken.None))[CommentState.Posted]);
        Assert.Equal(3, host.Discord.Rest.MessagesIn(ModerationHost.ReviewChannel).Count(m => !m.Ephemeral));
        foreach (var (channel, question) in new[] { (Ask, first.Message), (Ask, missed[0].Message), (General, missed[1].Message) })
        {
            Assert.Single(host.Discord.Rest.RepliesTo(channel, question.Id));
        }
    }

    [Fact]
    public async Task A3500CharacterReply_IsPostedAsTwoRepliesInOrder_SplitAtASentenceEnd()
    {
        // 70 sentences of 50 characters ("Sentence 00 … ." padded) = 3,500 characters with the spaces.
        var sentences = Enumerable.Range(0, 70).Select(i => $"Sentence {i:00} of a long answer about adapters.".PadRight(49, '!') + ".").ToArray();
        var text = string.Join(" ", sentences)[..3499] + ".";
        Assert.Equal(3500, text.Length);
        await using var host = await StartAsync(output, new FixedWriter(text));
        var question = host.Discord.PostUserMessage(Ask, Ada, "Tell me everything about adapters").Message;
        await ApproveAsync(host, Ask, question, "Tell me everything about adapters");
        await Task.Delay(600);

        var replies = host.Discord.Rest.RepliesTo(Ask, question.Id);
        Assert.Equal(2, replies.Count);
        Assert.True(replies[0].Id < replies[1].Id);
        Assert.Equal(ReplySplitter.Split(text), replies.Select(r => r.Content));
        // The first part ends at the last sentence end within 2,000 characters: 39 sentences and 39 spaces.
        Assert.Equal(string.Join(" ", sentences.Take(39)), replies[0].Content);
        Assert.Equal(text, replies[0].Content + " " + replies[1].Content);
        Assert.Equal("""{"parse":[],"replied_user":true}""", replies[0].AllowedMentionsJson);
        Assert.Equal("""{"parse":[],"replied_user":false}""", replies[1].AllowedMentionsJson);
        var parts = await host.Host.Services.GetRequiredService<IReplyPartStore>().ListPartsAsync(CommentId(host, Ask, question), CancellationToken.None);
        Assert.Equal(replies.Select(r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), parts.Select(p => p.MessageId));
    }

    [Fact]
    public async Task A_restart_after_the_first_part_went_out_unanswered_posts_only_the_second()
    {
        var text = string.Join(" ", Enumerable.Range(0, 60).Select(i => $"Part of a long answer, sentence {i:00}, about how adapters swap."));
        var parts = ReplySplitter.Split(text);
        Assert.Equal(2, parts.Count);
        await using var host = await StartAsync(output, new FixedWriter(text));
        var question = host.Discord.PostUserMessage(Ask, Ada, "How do adapters swap?").Message;
        var (review, tracked) = await ReviewOfAsync(host, Ask, question, "How do adapters swap?");

        // Discord stores the first part but never answers: the service is stopped while it waits.
        host.Discord.Rest.StallCreateResponses(Ask, TimeSpan.FromSeconds(30));
        host.Discord.ClickButton(ModerationHost.ReviewChannel, review.Id, $"sb:approve:{tracked.CurrentDraftId}", ModerationHost.Moderator);
        await DiscordSandbox.WaitUntilAsync(() => host.Discord.Rest.RepliesTo(Ask, question.Id).Count == 1, TimeSpan.FromSeconds(10), "the first part stored");
        host.Discord.Rest.StallCreateResponses(Ask, null);
        await host.RestartAsync();

        await host.WaitForStateAsync(tracked.Comment.CommentId, CommentState.Posted);
        await Task.Delay(600);
        var replies = host.Discord.Rest.RepliesTo(Ask, question.Id);
        Assert.Equal(parts, replies.Select(r => r.Content));
        var stored = await host.Host.Services.GetRequiredService<IReplyPartStore>().ListPartsAsync(tracked.Comment.CommentId, CancellationToken.None);
        Assert.Equal(replies.Select(r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), stored.Select(p => p.MessageId));
        var posted = Assert.Single(await host.Store.ListPostedRepliesAsync(CancellationToken.None));
        Assert.Equal(stored[0].MessageId, posted.YouTubeReplyId);
    }

    private sealed class FixedWriter(string text) : IReplyWriter
    {
        public Task<ReplyDraft> WriteAsync(ReplyRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new ReplyDraft(text, "tiny-llama", "adapter-v7", SamplingSettings.Greedy));
    }
}
