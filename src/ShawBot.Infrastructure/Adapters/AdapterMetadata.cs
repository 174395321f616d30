using ShawBot.Infrastructure.Reporting;

namespace ShawBot.Infrastructure.Adapters;

/// <summary>
/// metadata.json of one registry version. <see cref="Promoted"/> records the promotion decision of
/// the run that made it; which version is live is the registry's "active" pointer alone.
/// </summary>
public sealed record AdapterMetadata
{
    public required string Version { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required string BaseModel { get; init; }
    /// <summary>Examples after deduplication (train + eval).</summary>
    public int DatasetSize { get; init; }
    public int TrainExamples { get; init; }
    public int EvalExamples { get; init; }
    public int CuratedExamples { get; init; }
    public int SeedExamples { get; init; }
    /// <summary>SHA-256 over the deduplicated (comment id, comment, reply) triples in id order.</summary>
    public required string DatasetHash { get; init; }
    public int Steps { get; init; }
    public double? FinalTrainLoss { get; init; }
    public double? EvalLoss { get; init; }
    public double? EvalPerplexity => EvalLoss is { } l ? Math.Exp(l) : null;
    /// <summary>What the new adapter was compared with: a version, or "base".</summary>
    public string? ComparedWith { get; init; }
    public double? ComparedEvalLoss { get; init; }
    public bool Promoted { get; init; }
    public string? Decision { get; init; }
    public string? RequestedBy { get; init; }
    /// <summary>File name of the loss curve inside the version folder.</summary>
    public string LossCurve { get; init; } = LossCurvePlot.SvgFile;
    public int Rank { get; init; }
    public double Alpha { get; init; }
    public string Targets { get; init; } = "";
    public double LearningRate { get; init; }
    public int Epochs { get; init; }
    public int MaxSteps { get; init; }
}

/// <summary>One version in the registry: its folder and metadata.</summary>
public sealed record AdapterVersion(string Name, int Number, string Path, AdapterMetadata Metadata)
{
    public string LossCurvePath => System.IO.Path.Combine(Path, Metadata.LossCurve);

    /// <summary>The same curve as a PNG (for Discord, which shows PNG inline but not SVG); may be absent in older versions.</summary>
    public string LossCurvePngPath => System.IO.Path.Combine(Path, LossCurvePngFile);

    public const string LossCurvePngFile = LossCurvePlot.PngFile;
}

/// <summary>The last retrain, for status pages: when it ended and one line on what it did.</summary>
public sealed record RetrainRunRecord(DateTimeOffset FinishedAt, string Kind, string Summary, string? Version);
