using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Discord.Models;
using ShawBot.Infrastructure.Discord.Moderation;
using ShawBot.Infrastructure.Discord.Rest;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>Tells someone how a retrain went.</summary>
public interface IRetrainReporter
{
    /// <summary>A run's plan, once its first steps are timed (at most once per run, before its outcome).</summary>
    Task ReportStartAsync(RetrainStart start, CancellationToken cancellationToken);

    Task ReportAsync(RetrainOutcome outcome, CancellationToken cancellationToken);
}

/// <summary>The log entry (numbers, loss curve path, samples) and registry's last-run.json for status pages.</summary>
public sealed class LogRetrainReporter(AdapterRegistry registry, ILogger<LogRetrainReporter> logger) : IRetrainReporter
{
    public Task ReportStartAsync(RetrainStart start, CancellationToken cancellationToken)
    {
        logger.LogInformation("Retrain requested by {RequestedBy} started {StartedAt:HH:mm:ss} UTC: {Plan}", start.RequestedBy, start.StartedAt, RetrainPlanText.Plan(start.Plan));
        return Task.CompletedTask;
    }

    public Task ReportAsync(RetrainOutcome outcome, CancellationToken cancellationToken)
    {
        var level = outcome.Kind switch
        {
            RetrainOutcomeKind.Failed => LogLevel.Error,
            RetrainOutcomeKind.Busy or RetrainOutcomeKind.Interrupted => LogLevel.Warning,
            _ => LogLevel.Information,
        };
        logger.Log(level, "Retrain {Kind} of {Source} after {Seconds:0.0} s (requested by {RequestedBy}): {Summary}; version {Version}, steps {Steps}, final train loss {TrainLoss}, loss curve {LossCurve}",
            outcome.Kind, outcome.Source ?? "the global voice", outcome.Duration.TotalSeconds, outcome.RequestedBy, outcome.Summary, outcome.Version?.Name ?? "none",
            outcome.Training?.Steps ?? 0, outcome.Training?.FinalTrainLoss, outcome.Version?.LossCurvePath ?? "none");
        foreach (var s in outcome.Samples)
            logger.LogInformation("Retrain sample: comment {Comment} | curated {Reference} | new {Candidate} | current {Current}", s.Comment, s.Reference, s.Candidate, s.Current);
        // A source's own run is recorded in its own registry by the coordinator's source runner.
        if (outcome.Kind != RetrainOutcomeKind.Busy && outcome.Source is null)
            registry.RecordRun(new RetrainRunRecord(outcome.FinishedAt, outcome.Kind.ToString(), outcome.Summary, outcome.Version?.Name));
        return Task.CompletedTask;
    }
}

/// <summary>
/// A message in the moderation channel when Discord is configured: the numbers as an embed, the
/// sample replies as fields, and the loss curve as an attached PNG shown in the embed (Discord does
/// not render SVG inline; the SVG's path is given too).
/// </summary>
public sealed class DiscordRetrainReporter(IServiceProvider services) : IRetrainReporter
{
    public async Task ReportStartAsync(RetrainStart start, CancellationToken cancellationToken)
    {
        if (Channel() is not var (rest, channel)) return;
        await rest.CreateMessageAsync(channel, BuildStart(start), cancellationToken).ConfigureAwait(false);
    }

    public async Task ReportAsync(RetrainOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Kind == RetrainOutcomeKind.Busy) return;
        if (Channel() is not var (rest, channel)) return;
        var files = new List<MessageFile>();
        if (outcome.Version is { } v && File.Exists(v.LossCurvePngPath))
            files.Add(new MessageFile(AdapterVersion.LossCurvePngFile, "image/png", await File.ReadAllBytesAsync(v.LossCurvePngPath, cancellationToken).ConfigureAwait(false)));
        await rest.CreateMessageAsync(channel, Build(outcome, withCurveImage: files.Count > 0), files, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The REST client and moderation channel, or null when Discord is not configured.</summary>
    private (DiscordRestClient Client, ulong Id)? Channel()
    {
        var rest = services.GetService<DiscordRestClient>();
        var options = services.GetService<IOptions<DiscordModerationOptions>>();
        return rest is null || options is null || options.Value.ChannelId == 0 ? null : (rest, options.Value.ChannelId);
    }

    /// <summary>"Retrain started 03:00 UTC (requested by alice): plan 300 examples · 120 steps · budget 3h · estimated finish 04:12 UTC".</summary>
    public static MessagePayload BuildStart(RetrainStart s) => new()
    {
        Content = Clip($"Retrain started {RetrainPlanText.Clock(s.StartedAt)} (requested by {s.RequestedBy}): {RetrainPlanText.Plan(s.Plan)}", 500),
        AllowedMentions = AllowedMentions.None,
    };

    public static MessagePayload Build(RetrainOutcome o, bool withCurveImage = false)
    {
        var fields = new List<EmbedField>();
        if (o.NewEvalLoss is { } n && o.ComparedEvalLoss is { } c)
        {
            fields.Add(new EmbedField("Eval loss", F($"{c:0.000} ({o.ComparedWith}) → {n:0.000}"), true));
            fields.Add(new EmbedField("Perplexity", F($"{Math.Exp(c):0.00} → {Math.Exp(n):0.00}"), true));
        }
        if (o.DatasetSize > 0) fields.Add(new EmbedField("Examples", F($"{o.DatasetSize} ({o.NewExamples} new)"), true));
        if (o.Training is { } t) fields.Add(new EmbedField("Training", F($"{t.Steps} steps, final train loss {t.FinalTrainLoss:0.000}, {o.Duration.TotalMinutes:0.0} min"), true));
        if (o.AnnouncedPlan is { } plan)
        {
            fields.Add(new EmbedField("Plan", RetrainPlanText.Plan(plan)));
            fields.Add(new EmbedField("Finish", RetrainPlanText.Finish(o.FinishedAt, plan.EstimatedFinish), true));
        }
        if (o.Version is { } v) fields.Add(new EmbedField("Loss curve", Clip(v.LossCurvePath, 1000)));
        int i = 0;
        // Three samples keep the embed under Discord's 6,000-character total.
        foreach (var s in o.Samples.Take(3))
        {
            var text = new StringBuilder()
                .Append("**Comment:** ").AppendLine(Clip(s.Comment, 250))
                .Append("**New:** ").AppendLine(Clip(s.Candidate, 300))
                .Append("**Current:** ").AppendLine(Clip(s.Current ?? "", 300))
                .Append("**Curated:** ").Append(Clip(s.Reference, 100));
            fields.Add(new EmbedField($"Sample {++i}", Clip(text.ToString(), 1024)));
        }
        string of = o.Source is null ? "" : $" ({o.Source})";
        string title = o.Kind switch
        {
            RetrainOutcomeKind.Promoted => $"Retrain{of}: {o.Version?.Name} promoted",
            RetrainOutcomeKind.NotPromoted => $"Retrain{of}: {o.Version?.Name} kept, not promoted",
            _ => $"Retrain{of} {o.Kind.ToString().ToLowerInvariant()}",
        };
        return new MessagePayload
        {
            Content = Clip($"{title}: {o.Summary}", 500),
            Embeds = [new DiscordEmbed
            {
                Title = title, Description = Clip(o.Summary, 1000), Fields = fields, Timestamp = o.FinishedAt,
                Image = withCurveImage ? new EmbedImage("attachment://" + AdapterVersion.LossCurvePngFile) : null,
            }],
            AllowedMentions = AllowedMentions.None,
        };
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
