using System.Globalization;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Adapters;

namespace ShawBot.Infrastructure.Retraining;

public enum RetrainOutcomeKind
{
    /// <summary>A new version was trained, beat the active adapter by the margin, and is live.</summary>
    Promoted,
    /// <summary>A new version was trained and kept, but the active adapter stays.</summary>
    NotPromoted,
    /// <summary>Nothing was trained (too few new examples, no data).</summary>
    Skipped,
    /// <summary>Another run was going (in this process or another).</summary>
    Busy,
    /// <summary>Stopped (shutdown) with a checkpoint; the next run resumes.</summary>
    Interrupted,
    Failed,
}

/// <summary>What to run: who asked, and whether to train even with too few new examples.</summary>
public sealed record RetrainRequest(string RequestedBy, bool Force = false);

/// <summary>A held-out comment, its curated reply, and what the new and the current adapter write for it.</summary>
public sealed record SampleReply(string Comment, string Reference, string Candidate, string? Current);

/// <summary>A run whose first steps were timed: who asked, when it started, and its plan (with an estimated finish).</summary>
public sealed record RetrainStart(string RequestedBy, DateTimeOffset StartedAt, TrainPlan Plan);

/// <summary>The result of one retrain, for the report, the log and the status line.</summary>
public sealed record RetrainOutcome(RetrainOutcomeKind Kind, string Message, string RequestedBy, DateTimeOffset StartedAt, DateTimeOffset FinishedAt)
{
    public AdapterVersion? Version { get; init; }
    public double? NewEvalLoss { get; init; }
    public double? ComparedEvalLoss { get; init; }
    /// <summary>The adapter the new one was compared with (a version, or "base").</summary>
    public string? ComparedWith { get; init; }
    public int DatasetSize { get; init; }
    public int NewExamples { get; init; }
    public TrainResult? Training { get; init; }
    /// <summary>The plan the start report announced (its estimated finish is the one the end report compares with); null when none was.</summary>
    public TrainPlan? AnnouncedPlan { get; init; }
    public IReadOnlyList<SampleReply> Samples { get; init; } = [];
    /// <summary>The display name of the "ShawBot:Channels" entry whose own voice was retrained; null: the global one.</summary>
    public string? Source { get; init; }

    public TimeSpan Duration => FinishedAt - StartedAt;

    /// <summary>One line: "promoted v0003: eval loss 1.840 → 1.790 (ppl 6.30 → 5.99) on 120 examples (12 new)".</summary>
    public string Summary
    {
        get
        {
            if (NewEvalLoss is not { } n || ComparedEvalLoss is not { } c) return Message;
            string verb = Kind == RetrainOutcomeKind.Promoted ? "promoted" : "kept, not promoted,";
            return string.Create(CultureInfo.InvariantCulture,
                $"{verb} {Version?.Name}: eval loss {c:0.000} ({ComparedWith}) → {n:0.000} (ppl {Math.Exp(c):0.00} → {Math.Exp(n):0.00}) on {DatasetSize} examples ({NewExamples} new). {Message}");
        }
    }
}
