using System.Data.Common;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Store;

/// <summary>
/// The store contract, one suite for every provider: <see cref="SqliteCommentStoreTests"/> and
/// <see cref="PostgresCommentStoreTests"/> each supply a fresh store on an empty database.
/// </summary>
public abstract partial class CommentStoreContractTests
{
    protected static readonly CancellationToken None = CancellationToken.None;
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private ICommentStore? _current;

    /// <summary>The store under test (created on first use by <see cref="NewStore"/>).</summary>
    protected ICommentStore Store => _current ??= NewStore();

    /// <summary>Another store instance (another host) on the same database, with its clock and lease owner name.</summary>
    protected abstract ICommentStore NewStore(TimeProvider? time = null, string? owner = null);

    /// <summary>Runs raw SQL on the database, expecting the provider's own error; returns it.</summary>
    protected abstract DbException ExecuteRefused(string sql);

    private static Comment MakeComment(int i) =>
        new($"c{i}", $"c{i}", "vid1", "Video", $"UCauthor{i}", $"author {i}", $"text {i}", T0.AddMinutes(i), T0.AddMinutes(i));

    private static ReplyDraft Reply(string text) => new(text, "stub", "adapter-7", new SamplingSettings(0.7, 0.9, 256, 42));

    private async Task<Draft> Drafted(int i)
    {
        Assert.True(await Store.AddCommentAsync(MakeComment(i), CommentState.New, null, None));
        Assert.True(await Store.TryBeginDraftingAsync($"c{i}", None));
        return (await Store.SaveDraftAsync($"c{i}", Reply($"reply {i}"), T0, None))!;
    }

    [Fact]
    public async Task Adding_a_known_comment_changes_nothing()
    {
        Assert.True(await Store.AddCommentAsync(MakeComment(1), CommentState.New, null, None));
        Assert.False(await Store.AddCommentAsync(MakeComment(1) with { Text = "edited" }, CommentState.Skipped, "x", None));
        var stored = await Store.GetCommentAsync("c1", None);
        Assert.Equal((CommentState.New, "text 1", T0.AddMinutes(1)), (stored!.State, stored.Comment.Text, stored.Comment.PublishedAt));
    }

    [Fact]
    public async Task Transitions_are_compare_and_set()
    {
        await Store.AddCommentAsync(MakeComment(1), CommentState.New, null, None);
        Assert.True(await Store.TryBeginDraftingAsync("c1", None));
        Assert.False(await Store.TryBeginDraftingAsync("c1", None));
        Assert.False(await Store.TryTransitionAsync("c1", CommentState.New, CommentState.Skipped, "no", None));
        Assert.Equal(1, await Store.TransitionAllAsync(CommentState.Drafting, CommentState.New, None));
        Assert.True(await Store.TryBeginDraftingAsync("c1", None));
        var tracked = await Store.GetCommentAsync("c1", None);
        Assert.Equal((CommentState.Drafting, 2), (tracked!.State, tracked.DraftAttempts));
    }

    [Fact]
    public async Task A_draft_keeps_model_adapter_and_sampling()
    {
        var draft = await Drafted(1);
        var read = await Store.GetDraftAsync(draft.DraftId, None);
        Assert.Equal(draft, read);
        Assert.Equal(("reply 1", "stub", "adapter-7", "temperature=0.7;top_p=0.9;max_new_tokens=256;seed=42"), (read!.Text, read.ModelName, read.AdapterVersion, read.Sampling));
        Assert.Equal((CommentState.AwaitingReview, draft.DraftId), ((await Store.GetCommentAsync("c1", None))!.State, (await Store.GetCommentAsync("c1", None))!.CurrentDraftId));
    }

    [Fact]
    public async Task A_draft_is_decided_once()
    {
        var draft = await Drafted(1);
        var moderator = new Moderator("42", "mod");
        var first = await Store.RecordDecisionAsync(draft.DraftId, DecisionKind.Edit, moderator, "edited", T0, None);
        var second = await Store.RecordDecisionAsync(draft.DraftId, DecisionKind.Reject, moderator, null, T0, None);
        var missing = await Store.RecordDecisionAsync(999, DecisionKind.Approve, moderator, null, T0, None);

        Assert.Equal(new DecisionResult(DecisionStatus.Accepted, CommentState.Edited), first);
        Assert.Equal((DecisionStatus.AlreadyHandled, CommentState.Edited), (second.Status, second.State));
        Assert.Equal(DecisionStatus.NotFound, missing.Status);
        var decision = await Store.GetDecisionForDraftAsync(draft.DraftId, None);
        Assert.Equal((DecisionKind.Edit, "edited", "42", "mod"), (decision!.Kind, decision.FinalText, decision.Moderator.Id, decision.Moderator.Name));
    }

    [Fact]
    public async Task Regenerate_sends_the_comment_back_and_supersedes_the_old_draft()
    {
        var old = await Drafted(1);
        Assert.True((await Store.RecordDecisionAsync(old.DraftId, DecisionKind.Regenerate, Moderator.Auto, null, T0, None)).IsAccepted);
        Assert.Equal(CommentState.New, (await Store.GetCommentAsync("c1", None))!.State);
        Assert.True(await Store.TryBeginDraftingAsync("c1", None));
        var fresh = await Store.SaveDraftAsync("c1", Reply("second try"), T0, None);

        Assert.Equal(DecisionStatus.AlreadyHandled, (await Store.RecordDecisionAsync(old.DraftId, DecisionKind.Approve, Moderator.Auto, "x", T0, None)).Status);
        Assert.True((await Store.RecordDecisionAsync(fresh!.DraftId, DecisionKind.Approve, Moderator.Auto, fresh.Text, T0, None)).IsAccepted);
        Assert.Equal("second try", await Store.TryBeginPostingAsync("c1", None));
    }

    [Fact]
    public async Task A_comment_is_posted_at_most_once()
    {
        var draft = await Drafted(1);
        await Store.RecordDecisionAsync(draft.DraftId, DecisionKind.Approve, Moderator.Auto, draft.Text, T0, None);
        Assert.Equal("reply 1", await Store.TryBeginPostingAsync("c1", None));
        Assert.Null(await Store.TryBeginPostingAsync("c1", None));
        Assert.True(await Store.MarkPostedAsync("c1", new PublishedReply("r1", "reply 1", T0), None));
        Assert.False(await Store.MarkPostedAsync("c1", new PublishedReply("r2", "reply 1", T0), None));

        // The schema itself refuses a second reply row and a way back to Posting.
        Assert.Contains("unique", ExecuteRefused("INSERT INTO posted_replies VALUES ('c1', 'r3', 'again', '2026-03-01T12:00:00Z');").Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("comment already has a posted reply", ExecuteRefused("UPDATE comments SET state = 'Posting' WHERE comment_id = 'c1';").Message, StringComparison.Ordinal);
        Assert.Equal([new PostedReply("c1", "r1", "reply 1", T0)], await Store.ListPostedRepliesAsync(None));
        var example = Assert.Single(await Store.ListCuratedExamplesAsync(None));
        Assert.Equal(("c1", "text 1", "reply 1", false, "auto"), (example.CommentId, example.CommentText, example.Reply, example.Edited, example.Moderator.Id));
    }

    [Fact]
    public async Task Reviews_not_yet_shown_on_a_channel_are_listed_until_recorded()
    {
        var draft = await Drafted(1);
        Assert.Equal([draft.DraftId], (await Store.ListUnpublishedReviewsAsync("discord", 10, None)).Select(r => r.Draft.DraftId));
        await Store.SetReviewReferenceAsync("c1", "discord", "msg-1", draft.DraftId, None);
        Assert.Empty(await Store.ListUnpublishedReviewsAsync("discord", 10, None));
        Assert.Single(await Store.ListUnpublishedReviewsAsync("web", 10, None));
        Assert.Equal("msg-1", await Store.GetReviewReferenceAsync("c1", "discord", None));
    }

    [Fact]
    public async Task Quota_charges_never_exceed_the_daily_budget()
    {
        var day = new DateOnly(2026, 3, 1);
        Assert.True(await Store.TryChargeQuotaAsync(day, "comments.insert", 50, 100, T0, None));
        Assert.True(await Store.TryChargeQuotaAsync(day, "commentThreads.list", 1, 100, T0, None));
        Assert.False(await Store.TryChargeQuotaAsync(day, "comments.insert", 50, 100, T0, None));
        Assert.True(await Store.TryChargeQuotaAsync(day.AddDays(1), "comments.insert", 50, 100, T0, None));
        Assert.Equal(51, await Store.GetQuotaSpentAsync(day, None));
        Assert.Equal(50, await Store.GetQuotaSpentAsync(day.AddDays(1), None));
    }

    [Fact]
    public async Task Cursors_and_counts_round_trip()
    {
        Assert.Null(await Store.GetCursorAsync("poller.watermark", None));
        await Store.SetCursorAsync("poller.watermark", "a", None);
        await Store.SetCursorAsync("poller.watermark", "b", None);
        Assert.Equal("b", await Store.GetCursorAsync("poller.watermark", None));
        await Store.AddCommentAsync(MakeComment(1), CommentState.New, null, None);
        await Store.AddCommentAsync(MakeComment(2), CommentState.Skipped, "owner", None);
        var counts = await Store.CountByStateAsync(None);
        Assert.Equal((1, 1, 0), (counts[CommentState.New], counts[CommentState.Skipped], counts[CommentState.Posted]));
    }

    [Fact]
    public async Task Two_hosts_on_one_database_claim_disjoint_work()
    {
        for (var i = 0; i < 40; i++)
        {
            Assert.True(await Store.AddCommentAsync(MakeComment(i), CommentState.New, null, None));
        }

        ICommentStore[] hosts = [Store, NewStore()];
        // Both hosts race for every comment at once; each comment must go to exactly one of them.
        var claims = await Task.WhenAll(Enumerable.Range(0, 40).SelectMany(i => hosts.Select(async (h, n) => (Host: n, Comment: i, Won: await h.TryBeginDraftingAsync($"c{i}", None)))));
        var winners = claims.Where(c => c.Won).ToList();
        Assert.Equal(Enumerable.Range(0, 40), winners.Select(c => c.Comment).Order());
        Assert.Equal(40, (await hosts[1].CountByStateAsync(None))[CommentState.Drafting]);
        Assert.All(await hosts[0].ListByStateAsync(CommentState.Drafting, 100, None), c => Assert.Equal(1, c.DraftAttempts));
    }

    [Fact]
    public async Task Two_hosts_charging_one_quota_day_never_pass_the_budget()
    {
        var day = new DateOnly(2026, 3, 1);
        ICommentStore[] hosts = [Store, NewStore()];
        // 60 charges of 7 units against a budget of 100 from two hosts at once: exactly 14 fit (98 units).
        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => hosts[i % 2].TryChargeQuotaAsync(day, "comments.insert", 7, 100, T0, None)));
        Assert.Equal(14, results.Count(r => r));
        Assert.Equal(98, await hosts[1].GetQuotaSpentAsync(day, None));
    }

    [Fact]
    public async Task An_expired_drafting_lease_is_taken_over_and_a_live_one_is_not()
    {
        var clock = new ShiftedClock();
        var a = (IWorkLeases)NewStore(clock, "host-a");
        var b = (IWorkLeases)NewStore(clock, "host-b");
        Assert.Equal((TimeSpan.FromSeconds(120), "host-a", "host-b"), (a.LeaseDuration, a.Owner, b.Owner));
        Assert.True(await ((ICommentStore)a).AddCommentAsync(MakeComment(1), CommentState.New, null, None));
        Assert.True(await ((ICommentStore)a).TryBeginDraftingAsync("c1", None));

        // Live: host b neither releases nor claims it, nor renews a's lease.
        clock.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(0, await b.ReleaseExpiredDraftingAsync(None));
        Assert.False(await ((ICommentStore)b).TryBeginDraftingAsync("c1", None));
        Assert.False(await b.RenewLeaseAsync("c1", None));
        Assert.True(await a.RenewLeaseAsync("c1", None)); // now + 120 s again

        clock.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(0, await b.ReleaseExpiredDraftingAsync(None)); // renewed at 100 s: lives until 220 s
        clock.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal(1, await b.ReleaseExpiredDraftingAsync(None));
        Assert.True(await ((ICommentStore)b).TryBeginDraftingAsync("c1", None));

        // Host a comes back too late: its lease is gone and its draft is refused; b's is kept.
        Assert.False(await a.RenewLeaseAsync("c1", None));
        Assert.Null(await ((ICommentStore)a).SaveDraftAsync("c1", Reply("late"), T0, None));
        var saved = await ((ICommentStore)b).SaveDraftAsync("c1", Reply("fresh"), T0, None);
        var tracked = await ((ICommentStore)a).GetCommentAsync("c1", None);
        Assert.Equal((CommentState.AwaitingReview, saved!.DraftId, 2), (tracked!.State, tracked.CurrentDraftId!.Value, tracked.DraftAttempts));
    }

    [Fact]
    public async Task An_unknown_post_outcome_is_reexamined_only_by_its_lease_holder_until_the_lease_expires()
    {
        var clock = new ShiftedClock();
        var a = (IWorkLeases)NewStore(clock, "host-a");
        var b = (IWorkLeases)NewStore(clock, "host-b");
        var draft = await Drafted(1);
        await Store.RecordDecisionAsync(draft.DraftId, DecisionKind.Approve, Moderator.Auto, draft.Text, T0, None);
        Assert.Equal("reply 1", await ((ICommentStore)a).TryBeginPostingAsync("c1", None));

        Assert.Empty(await b.ClaimPostingAsync(10, None));
        Assert.Equal(["c1"], (await a.ClaimPostingAsync(10, None)).Select(c => c.Comment.CommentId));
        clock.Advance(TimeSpan.FromSeconds(121));
        var taken = Assert.Single(await b.ClaimPostingAsync(10, None));
        Assert.Equal(("c1", CommentState.Posting, 1), (taken.Comment.CommentId, taken.State, taken.PostAttempts));
        Assert.Empty(await a.ClaimPostingAsync(10, None));
        Assert.False(await a.RenewLeaseAsync("c1", None));
        Assert.True(await b.RenewLeaseAsync("c1", None));
    }

    [Fact]
    public async Task A_restarted_host_resumes_its_own_drafting_claims_at_once()
    {
        var clock = new ShiftedClock();
        var before = NewStore(clock, "host-a");
        Assert.True(await before.AddCommentAsync(MakeComment(1), CommentState.New, null, None));
        Assert.True(await before.AddCommentAsync(MakeComment(2), CommentState.New, null, None));
        Assert.True(await before.TryBeginDraftingAsync("c1", None));
        Assert.True(await NewStore(clock, "host-b").TryBeginDraftingAsync("c2", None));

        // host-a restarts (same InstanceId) within the lease: its own claim goes back to New, host-b's stays.
        Assert.Equal(1, await ((IWorkLeases)NewStore(clock, "host-a")).ReleaseExpiredDraftingAsync(None));
        Assert.Equal((CommentState.New, CommentState.Drafting), ((await Store.GetCommentAsync("c1", None))!.State, (await Store.GetCommentAsync("c2", None))!.State));
    }

    [Fact]
    public async Task Two_hosts_claiming_expired_posts_at_once_take_disjoint_sets()
    {
        var clock = new ShiftedClock();
        var a = NewStore(clock, "host-a");
        for (var i = 0; i < 20; i++)
        {
            var draft = await Drafted(i);
            await Store.RecordDecisionAsync(draft.DraftId, DecisionKind.Approve, Moderator.Auto, draft.Text, T0, None);
            Assert.NotNull(await a.TryBeginPostingAsync($"c{i}", None));
        }

        clock.Advance(TimeSpan.FromSeconds(121)); // host a died with 20 outcomes unknown
        IWorkLeases[] hosts = [(IWorkLeases)NewStore(clock, "host-b"), (IWorkLeases)NewStore(clock, "host-c")];
        var claims = await Task.WhenAll(hosts.Select(h => h.ClaimPostingAsync(15, None)));
        var ids = claims.SelectMany(c => c.Select(t => t.Comment.CommentId)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(20, ids.Count); // 15 + 5, in whichever order the two hosts got there
        Assert.All(claims, c => Assert.True(c.Count <= 15));
    }
}
