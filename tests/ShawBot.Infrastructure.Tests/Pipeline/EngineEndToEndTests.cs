using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Core.Text;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Infrastructure.Tests.Pipeline;

/// <summary>
/// The pipeline with the real engine drafting: ../shared/golden/tiny-mistral (random weights, a
/// 320-token vocabulary) with a byte-level tokenizer.json written for it.
/// </summary>
public sealed class EngineEndToEndTests : IAsyncLifetime
{
    private readonly YouTubeSandbox _sandbox = new();
    private readonly TempFolder _folder = new();

    public Task InitializeAsync() => _sandbox.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.StopAsync();
        _folder.Dispose();
    }

    /// <summary>Copies the golden model and adds a byte-level tokenizer (see tests/Shared/TinyGoldenModel.cs).</summary>
    internal static string TinyModelWithTokenizer(string folder) => ShawBot.TestSupport.TinyGoldenModel.WithTokenizer(folder);

    [Fact]
    public async Task Seeded_200_comments_are_drafted_by_the_engine_and_answered_exactly_once()
    {
        string model = TinyModelWithTokenizer(_folder.File("tiny-mistral"));
        _sandbox.Seed(Seeds.Make(200));
        await using var harness = await PipelineHarness.StartAsync(_sandbox, _folder.File("shawbot.db"), s =>
        {
            s["ShawBot:Engine:ModelPath"] = model;
            s["ShawBot:Engine:PromptsPath"] = Path.Combine(RepoPaths.Root, "prompts");
            s["ShawBot:Engine:MaxNewTokens"] = "8";
            s["ShawBot:Engine:RepetitionPenalty"] = "1.0";
            // The comment language fills a template slot once Lingua's models are loaded (seconds after start):
            // off here, so every draft's prompt is known; the slot has its own tests.
            s["ShawBot:Screening:DetectLanguage"] = "false";
        }, services: (sc, cfg) => sc.AddShawBotEngine(cfg));

        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) + await h.CountAsync(CommentState.Skipped) == 200,
            TimeSpan.FromSeconds(120), "200 comments posted or skipped");
        await Task.Delay(300);

        var replies = _sandbox.OwnerReplies();
        int posted = await harness.CountAsync(CommentState.Posted);
        var skipped = await harness.Store.ListByStateAsync(CommentState.Skipped, 3, CancellationToken.None);
        Assert.True(posted >= 190, $"only {posted} of 200 were answered: {await harness.DescribeAsync()}; e.g. {string.Join(" | ", skipped.Select(s => s.Reason))}");
        Assert.Equal(posted, replies.Count);
        Assert.Equal(replies.Count, replies.Select(r => r.ThreadId).Distinct().Count());

        // Each draft is what the engine writes for that comment, recorded with its model and adapter.
        var writer = harness.Services.GetRequiredService<IReplyWriter>();
        Assert.IsType<EngineReplyWriter>(writer);
        foreach (var reply in replies.Take(12))
        {
            var tracked = (await harness.Store.GetCommentAsync(reply.ThreadId, CancellationToken.None))!;
            var screened = CommentScreen.Screen(tracked.Comment.Text, 10_000);
            Assert.Equal(_sandbox.VideoTitle(tracked.Comment.VideoId), tracked.Comment.VideoTitle);
            var again = await writer.WriteAsync(
                new ReplyRequest(tracked.Comment.CommentId, screened.Text, tracked.Comment.AuthorDisplayName, tracked.Comment.VideoTitle),
                CancellationToken.None);
            Assert.Equal(ReplyText.Finish(again.Text, "–ShawGPT", 10_000), reply.Text);
            Assert.Equal("tiny-mistral", again.ModelName);
            Assert.Equal("base", again.AdapterVersion);
        }
    }
}
