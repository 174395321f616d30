using System.Text.Json.Nodes;
using ShawBot.Core.Domain;
using ShawBot.Infrastructure.Discord.Moderation;
using ShawBot.Sandbox.Discord;
using ShawBot.Infrastructure.Tests.Discord;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Discord.Moderation;

/// <summary>Moderation through Discord buttons, modal and slash commands, end to end on the sandboxes.</summary>
[Collection(DiscordTimingCollection.Name)]
public sealed class DiscordModerationTests(ITestOutputHelper output)
{
    private const ulong Channel = ModerationHost.ReviewChannel;

    [Fact]
    public async Task Draft_IsShownWithCommentVideoDraftModelAndFourButtons()
    {
        await using var host = await ModerationHost.StartAsync(output);
        var (comment, message, tracked) = await host.NewReviewAsync("Ada", "How many epochs for QLoRA?");

        Assert.Equal(CommentState.AwaitingReview, tracked.State);
        long draftId = tracked.CurrentDraftId!.Value;
        Assert.Equal([$"sb:approve:{draftId}", $"sb:edit:{draftId}", $"sb:reject:{draftId}", $"sb:regen:{draftId}"], message.Buttons.Select(b => b.CustomId));
        Assert.Equal(["Approve", "Edit", "Reject", "Regenerate"], message.Buttons.Select(b => b.Label));
        Assert.All(message.Buttons, b => Assert.False(b.Disabled));
        string text = message.EmbedText;
        Assert.Contains("Ada", text);
        Assert.Contains("How many epochs for QLoRA?", text);
        // commentThreads carries no video title, so the poller's comments name the video by id.
        Assert.Contains(tracked.Comment.VideoTitle ?? $"Video {comment.VideoId}", text);
        Assert.Contains($"https://www.youtube.com/watch?v={comment.VideoId}&lc={comment.Id}", text);
        Assert.Contains("Reply #1 to Ada –ShawGPT", text);
        Assert.Contains("model tiny-llama · adapter adapter-v7", text);
        // The drafter stores the reference right after the message is created.
        string? reference = null;
        for (int i = 0; i < 200 && reference is null; i++, await Task.Delay(25))
            reference = await host.Store.GetReviewReferenceAsync(comment.Id, DiscordModerationChannel.ChannelName, CancellationToken.None);
        Assert.Equal($"{Channel}:{message.Id}", reference);
    }

    [Fact]
    public async Task Approve_PostsTheDraftToYouTube_AndDisablesTheButtons()
    {
        await using var host = await ModerationHost.StartAsync(output);
        var (comment, message, tracked) = await host.NewReviewAsync("Ada", "Great video!");

        var clickedAt = host.Discord.Elapsed;
        var click = host.Discord.ClickButton(Channel, message.Id, $"sb:approve:{tracked.CurrentDraftId}", ModerationHost.Moderator);
        var response = await host.Discord.WaitForResponseAsync(click);
        Assert.Equal(6, response.Type); // deferred update: answered before the work
        Assert.True(response.Elapsed - clickedAt < TimeSpan.FromSeconds(3), $"answered after {(response.Elapsed - clickedAt).TotalMilliseconds:0} ms");

        await host.WaitForStateAsync(comment.Id, CommentState.Posted);
        Assert.Equal("Reply #1 to Ada –ShawGPT", host.ReplyTextOn(comment.ThreadId));
        var decision = await host.Store.GetDecisionForDraftAsync(tracked.CurrentDraftId!.Value, CancellationToken.None);
        Assert.Equal(DecisionKind.Approve, decision!.Kind);
        Assert.Equal(new ShawBot.Core.Domain.Moderator("1001", "Maria"), decision.Moderator);
        await DiscordSandbox.WaitUntilAsync(() => host.Discord.Rest.GetMessage(message.Id)!.Content.Contains("Approved by Maria"), TimeSpan.FromSeconds(5), "message shows the decision");
        Assert.All(host.Discord.Rest.GetMessage(message.Id)!.Buttons, b => Assert.True(b.Disabled));
    }

    [Fact]
    public async Task Edit_OpensPrefilledModal_AndPostsTheEditedText()
    {
        await using var host = await ModerationHost.StartAsync(output);
        var (comment, message, tracked) = await host.NewReviewAsync("Ben", "Can I run this on a laptop?");

        var click = host.Discord.ClickButton(Channel, message.Id, $"sb:edit:{tracked.CurrentDraftId}", ModerationHost.Moderator);
        var modal = await host.Discord.WaitForResponseAsync(click);
        Assert.Equal(9, modal.Type);
        Assert.Equal($"sb:edited:{tracked.CurrentDraftId}", modal.ModalCustomId);
        Assert.Equal("Reply #1 to Ben –ShawGPT", modal.ModalInputs["reply"]);

        const string Edited = "Yes: 4-bit weights fit in 8 GB. –ShawGPT";
        var submit = host.Discord.SubmitModal(click, new Dictionary<string, string> { ["reply"] = Edited });
        Assert.Equal(6, (await host.Discord.WaitForResponseAsync(submit)).Type);

        await host.WaitForStateAsync(comment.Id, CommentState.Posted);
        Assert.Equal(Edited, host.ReplyTextOn(comment.ThreadId));
        var decision = await host.Store.GetDecisionForDraftAsync(tracked.CurrentDraftId!.Value, CancellationToken.None);
        Assert.Equal(DecisionKind.Edit, decision!.Kind);
        Assert.Equal(Edited, decision.FinalText);
        await DiscordSandbox.WaitUntilAsync(() => host.Discord.Rest.GetMessage(message.Id)!.Content.Contains("Edited and approved by Maria"), TimeSpan.FromSeconds(5), "message shows the edit");
        Assert.Contains(Edited, host.Discord.Rest.GetMessage(message.Id)!.EmbedText);
        Assert.All(host.Discord.Rest.GetMessage(message.Id)!.Buttons, b => Assert.True(b.Disabled));
    }

    [Fact]
    public async Task Reject_RecordsTheDecision_AndPostsNothing()
    {
        await using var host = await ModerationHost.StartAsync(output);
        var (comment, message, tracked) = await host.NewReviewAsync("Cy", "first!!!");

        // A member with the moderator role (not on the user list) may act.
        var click = host.Discord.ClickButton(Channel, message.Id, $"sb:reject:{tracked.CurrentDraftId}", ModerationHost.RoleModerator);
        await host.Discord.WaitForResponseAsync(click);

        await host.WaitForStateAsync(comment.Id, CommentState.Rejected);
        await DiscordSandbox.WaitUntilAsync(() => host.Discord.Rest.GetMessage(message.Id)!.Content.Contains("Rejected by Rolf"), TimeSpan.FromSeconds(5), "message shows the rejection");
        await Task.Delay(500); // give a wrong publisher the chance to post
        Assert.DoesNotContain(host.YouTube.OwnerReplies(), r => r.ThreadId == comment.ThreadId);
        Assert.Equal(DecisionKind.Reject, (await host.Store.GetDecisionForDraftAsync(tracked.CurrentDraftId!.Value, CancellationToken.None))!.Kind);
    }

    [Fact]
    public async Task Regenerate_ReplacesTheDraftInTheSameMessage_ThenApprovePostsTheNewOne()
    {
        await using var host = await ModerationHost.StartAsync(output);
        var (comment, message, tracked) = await host.NewReviewAsync("Dee", "What about DPO?");
        long first = tracked.CurrentDraftId!.Value;

        host.Discord.ClickButton(Channel, message.Id, $"sb:regen:{first}", ModerationHost.Moderator);
        long second = 0;
        await DiscordSandbox.WaitUntilAsync(() =>
        {
            var buttons = host.Discord.Rest.GetMessage(message.Id)!.Buttons;
            return buttons.Count == 4 && !buttons[0].Disabled && buttons[0].CustomId != $"sb:approve:{first}"
                && long.TryParse(buttons[0].CustomId["sb:approve:".Length..], out second);
        }, TimeSpan.FromSeconds(15), "the message shows a new draft");

        var now = await host.Store.GetCommentAsync(comment.Id, CancellationToken.None);
        Assert.Equal(CommentState.AwaitingReview, now!.State);
        Assert.Equal(second, now.CurrentDraftId);
        Assert.Equal(DecisionKind.Regenerate, (await host.Store.GetDecisionForDraftAsync(first, CancellationToken.None))!.Kind);
        Assert.Single(host.Discord.Rest.MessagesIn(Channel), m => !m.Ephemeral); // edited in place, no second message
        Assert.Contains("Reply #2 to Dee", host.Discord.Rest.GetMessage(message.Id)!.EmbedText);

        host.Discord.ClickButton(Channel, message.Id, $"sb:approve:{second}", ModerationHost.Moderator);
        await host.WaitForStateAsync(comment.Id, CommentState.Posted);
        Assert.Equal("Reply #2 to Dee –ShawGPT", host.ReplyTextOn(comment.ThreadId));
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("edit")]
    [InlineData("reject")]
    [InlineData("regen")]
    public async Task Outsider_GetsAnEphemeralRefusal_AndNothingChanges(string verb)
    {
        await using var host = await ModerationHost.StartAsync(output);
        var (comment, message, tracked) = await host.NewReviewAsync("Eve", "Nice");
        int edits = host.Discord.Rest.GetMessage(message.Id)!.EditCount;

        var click = host.Discord.ClickButton(Channel, message.Id, $"sb:{verb}:{tracked.CurrentDraftId}", ModerationHost.Outsider);
        var response = await host.Discord.WaitForResponseAsync(click);
        Assert.Equal(4, response.Type);
        Assert.True(response.Ephemeral);
        Assert.Contains("Only ShawBot moderators", response.Content);

        // The modal route too: a forged submission from an outsider is refused.
        var forged = host.Discord.SubmitModal($"sb:edited:{tracked.CurrentDraftId}", new Dictionary<string, string> { ["reply"] = "pwned" }, ModerationHost.Outsider, Channel, message.Id);
        Assert.True((await host.Discord.WaitForResponseAsync(forged)).Ephemeral);

        await Task.Delay(600);
        var after = await host.Store.GetCommentAsync(comment.Id, CancellationToken.None);
        Assert.Equal(CommentState.AwaitingReview, after!.State);
        Assert.Equal(tracked.CurrentDraftId, after.CurrentDraftId);
        Assert.Null(await host.Store.GetDecisionForDraftAsync(tracked.CurrentDraftId!.Value, CancellationToken.None));
        Assert.Equal(edits, host.Discord.Rest.GetMessage(message.Id)!.EditCount);
        Assert.Empty(host.YouTube.OwnerReplies());
    }

    [Fact]
    public async Task ClickOnAnAlreadyDecidedDraft_AnswersAlreadyHandled()
    {
        await using var host = await ModerationHost.StartAsync(output);
        var (comment, message, tracked) = await host.NewReviewAsync("Fay", "Thanks!");
        string approve = $"sb:approve:{tracked.CurrentDraftId}";
        host.Discord.ClickButton(Channel, message.Id, approve, ModerationHost.Moderator);
        await host.WaitForStateAsync(comment.Id, CommentState.Posted);

        // As after a restart with a stale client: the old button is pressed again.
        var again = host.Discord.DispatchInteraction(3, new JsonObject { ["custom_id"] = $"sb:reject:{tracked.CurrentDraftId}", ["component_type"] = 2 },
            ModerationHost.Moderator, Channel, host.Discord.Rest.GetMessage(message.Id));
        await host.Discord.WaitForResponseAsync(again);
        SandboxMessage? followup = null;
        await DiscordSandbox.WaitUntilAsync(() => (followup = host.Discord.Rest.MessagesIn(Channel).FirstOrDefault(m => m.InteractionId == again.Id)) is not null,
            TimeSpan.FromSeconds(5), "already-handled follow-up");
        Assert.True(followup!.Ephemeral);
        Assert.Contains("Already handled", followup.Content);
        Assert.Equal(CommentState.Posted, (await host.Store.GetCommentAsync(comment.Id, CancellationToken.None))!.State);
        Assert.Single(host.YouTube.OwnerReplies());
    }

    [Fact]
    public async Task SlashCommands_AreRegistered_AnsweredForModerators_RefusedForOthers()
    {
        await using var host = await ModerationHost.StartAsync(output);
        var registered = host.Discord.Rest.RegisteredCommands(host.Discord.Options.GuildId.ToString())!;
        Assert.Equal("shawbot", registered[0]!["name"]!.GetValue<string>());
        Assert.Equal(["status", "retrain", "rollback"], registered[0]!["options"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()));
        await host.NewReviewAsync("Gus", "Queue me");

        async Task<SandboxMessage> RunAsync(string sub, SandboxUser user)
        {
            var interaction = host.Discord.SlashCommand("shawbot", sub, user, Channel);
            var response = await host.Discord.WaitForResponseAsync(interaction);
            Assert.True(response.Ephemeral);
            if (response.Type == 4)
                return host.Discord.Rest.MessagesIn(Channel).Single(m => m.InteractionId == interaction.Id);
            Assert.Equal(5, response.Type);
            SandboxMessage? reply = null;
            await DiscordSandbox.WaitUntilAsync(() => (reply = host.Discord.Rest.MessagesIn(Channel).FirstOrDefault(m => m.InteractionId == interaction.Id && m.Content.Length > 0)) is not null,
                TimeSpan.FromSeconds(5), $"/shawbot {sub} answer");
            return reply!;
        }

        var status = await RunAsync("status", ModerationHost.Moderator);
        Assert.Contains("awaiting review 1", status.Content);
        Assert.Contains("Active adapter: unknown", status.Content);
        Assert.Contains("not available", (await RunAsync("retrain", ModerationHost.RoleModerator)).Content);
        Assert.Contains("not available", (await RunAsync("rollback", ModerationHost.Moderator)).Content);
        Assert.Contains("Only ShawBot moderators", (await RunAsync("retrain", ModerationHost.Outsider)).Content);
    }

    [Fact]
    public async Task AfterARestart_TheOldMessageStillWorks_AndADecidedOneAnswersAlreadyHandled()
    {
        await using var host = await ModerationHost.StartAsync(output);
        var (first, firstMessage, firstTracked) = await host.NewReviewAsync("Hal", "Before the restart");
        var (second, secondMessage, secondTracked) = await host.NewReviewAsync("Ivy", "Also before");
        host.Discord.ClickButton(Channel, secondMessage.Id, $"sb:reject:{secondTracked.CurrentDraftId}", ModerationHost.Moderator);
        await host.WaitForStateAsync(second.Id, CommentState.Rejected);

        await host.RestartAsync();

        // The message shown by the previous process: its buttons carry the draft id, the store has the rest.
        host.Discord.ClickButton(Channel, firstMessage.Id, $"sb:approve:{firstTracked.CurrentDraftId}", ModerationHost.Moderator);
        await host.WaitForStateAsync(first.Id, CommentState.Posted);
        Assert.Equal("Reply #1 to Hal –ShawGPT", host.ReplyTextOn(first.ThreadId));
        Assert.Equal(2, host.Discord.Rest.MessagesIn(Channel).Count(m => !m.Ephemeral)); // not shown twice

        var stale = host.Discord.DispatchInteraction(3, new JsonObject { ["custom_id"] = $"sb:approve:{secondTracked.CurrentDraftId}", ["component_type"] = 2 },
            ModerationHost.Moderator, Channel, host.Discord.Rest.GetMessage(secondMessage.Id));
        SandboxMessage? followup = null;
        await DiscordSandbox.WaitUntilAsync(() => (followup = host.Discord.Rest.MessagesIn(Channel).FirstOrDefault(m => m.InteractionId == stale.Id)) is not null,
            TimeSpan.FromSeconds(5), "already-handled follow-up");
        Assert.Contains("Already handled (now Rejected)", followup!.Content);
        Assert.Equal(CommentState.Rejected, (await host.Store.GetCommentAsync(second.Id, CancellationToken.None))!.State);
    }
}
