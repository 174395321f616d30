using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Discord.Models;
using ShawBot.Infrastructure.Discord.Moderation;
using ShawBot.Infrastructure.Reporting;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Tests.Discord;
using ShawBot.Infrastructure.Tests.Support;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Retraining;

public sealed class RetrainReportTests(ITestOutputHelper output)
{
    private static RetrainOutcome Promoted(int samples, string versionPath = "/srv/shawbot/adapters/v0007") => new(RetrainOutcomeKind.Promoted, "eval loss improved by 32.7% (margin 1.0%)", "alice",
        new DateTimeOffset(2026, 3, 1, 3, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 1, 3, 42, 0, TimeSpan.Zero))
    {
        Version = new AdapterVersion("v0007", 7, versionPath, new AdapterMetadata { Version = "v0007", CreatedAt = DateTimeOffset.UnixEpoch, BaseModel = "m", DatasetHash = "" }),
        NewEvalLoss = 1.79, ComparedEvalLoss = 1.84, ComparedWith = "v0006", DatasetSize = 120, NewExamples = 12,
        Training = new TrainResult(40, 1.5, 1.79, 4, [], [], true, "/tmp"),
        Samples = [.. Enumerable.Range(0, samples).Select(i => new SampleReply($"comment {i} " + new string('x', 400), "curated", "new reply " + new string('y', 600), "old reply"))],
    };

    [Fact]
    public void The_summary_carries_both_losses_and_perplexities()
    {
        Assert.Equal("promoted v0007: eval loss 1.840 (v0006) → 1.790 (ppl 6.30 → 5.99) on 120 examples (12 new). eval loss improved by 32.7% (margin 1.0%)",
            Promoted(0).Summary);
    }

    [Fact]
    public void The_discord_message_fits_discords_limits_with_the_numbers_curve_and_samples()
    {
        var message = DiscordRetrainReporter.Build(Promoted(samples: 20));
        message.Validate();                                   // throws when a Discord limit is broken
        var embed = Assert.Single(message.Embeds!);
        Assert.Equal("Retrain: v0007 promoted", embed.Title);
        Assert.Equal("1.840 (v0006) → 1.790", embed.Fields!.Single(f => f.Name == "Eval loss").Value);
        Assert.Equal("6.30 → 5.99", embed.Fields!.Single(f => f.Name == "Perplexity").Value);
        Assert.Equal("/srv/shawbot/adapters/v0007/loss-curve.svg", embed.Fields!.Single(f => f.Name == "Loss curve").Value);
        Assert.Equal(3, embed.Fields!.Count(f => f.Name.StartsWith("Sample", StringComparison.Ordinal)));
        Assert.True(embed.TotalLength <= 6000, $"{embed.TotalLength}");
    }

    [Fact]
    public async Task The_report_is_posted_to_the_moderation_channel_through_the_rest_client()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        const ulong channel = 4242;
        var services = new ServiceCollection()
            .AddSingleton(host.Rest)
            .AddSingleton(Options.Create(new DiscordModerationOptions { ChannelId = channel }))
            .BuildServiceProvider();
        await new DiscordRetrainReporter(services).ReportAsync(Promoted(2), CancellationToken.None);
        var posted = Assert.Single(host.Sandbox.Rest.MessagesIn(channel));
        Assert.StartsWith("Retrain: v0007 promoted: promoted v0007: eval loss 1.840 (v0006) → 1.790", posted.Content);

        Assert.Empty(posted.Files);                       // no loss-curve.png in that folder: no attachment, no image
        Assert.Empty(posted.EmbedImages);

        // Without Discord configured the reporter does nothing.
        await new DiscordRetrainReporter(new ServiceCollection().BuildServiceProvider()).ReportAsync(Promoted(0), CancellationToken.None);
        Assert.Single(host.Sandbox.Rest.MessagesIn(channel));
    }

    [Fact]
    public async Task The_loss_curve_png_is_uploaded_with_the_report_and_shown_in_the_embed()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        const ulong channel = 77;
        var dir = Directory.CreateTempSubdirectory("shawbot-report-");
        try
        {
            byte[] png = LossCurvePlot.RenderPng(new LossCurve([2.0, 1.6, 1.3, 1.2], [1.5, 1.25], StepsPerEpoch: 2));
            File.WriteAllBytes(Path.Combine(dir.FullName, "loss-curve.png"), png);
            var services = new ServiceCollection()
                .AddSingleton(host.Rest)
                .AddSingleton(Options.Create(new DiscordModerationOptions { ChannelId = channel }))
                .BuildServiceProvider();
            await new DiscordRetrainReporter(services).ReportAsync(Promoted(2, dir.FullName), CancellationToken.None);

            var posted = Assert.Single(host.Sandbox.Rest.MessagesIn(channel));
            var file = Assert.Single(posted.Files);
            Assert.Equal(("files[0]", "loss-curve.png", "image/png"), (file.Part, file.Filename, file.ContentType));
            Assert.Equal(png, file.Content);                  // the bytes arrive intact through multipart
            Assert.Equal((640, 360), PngDecoder.Size(file.Content));   // a whole PNG of the plot's size, not just equal bytes
            Assert.Equal(["attachment://loss-curve.png"], posted.EmbedImages);
            var attachment = Assert.Single(posted.ToJson()["attachments"]!.AsArray());
            Assert.Equal(png.Length, attachment!["size"]!.GetValue<int>());
            Assert.StartsWith("Retrain: v0007 promoted", posted.Content);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Files_are_checked_before_anything_is_sent()
    {
        var ok = new MessageFile("curve.png", "image/png", [1, 2, 3]);
        ok.Validate("files[0]");
        Assert.Throws<ArgumentException>(() => new MessageFile("../curve.png", "image/png", [1]).Validate("files[0]"));
        Assert.Throws<ArgumentException>(() => new MessageFile("curve.png", "image/png", []).Validate("files[0]"));
        Assert.Throws<ArgumentException>(() => new MessageFile("curve.png", "image/png", new byte[DiscordLimits.FileBytes + 1]).Validate("files[0]"));
    }
}
