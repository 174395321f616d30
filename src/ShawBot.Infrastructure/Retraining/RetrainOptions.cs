using System.ComponentModel.DataAnnotations;
using Quartz;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Training;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>Section "ShawBot:Retrain": when the adapter is retrained, on what, and when a new one goes live.</summary>
public sealed class RetrainOptions : IValidatableObject
{
    public const string Section = "ShawBot:Retrain";

    /// <summary>
    /// Retraining, the adapter registry and rollback run in this service (they need the engine:
    /// ShawBot:Engine:ModelPath). Off: the retrain and rollback commands answer "not available".
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Whether the nightly schedule runs (on-demand retrains work either way).</summary>
    public bool ScheduleEnabled { get; set; } = true;

    /// <summary>Quartz cron (seconds first): default 03:00 every day.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Cron { get; set; } = "0 0 3 * * ?";

    /// <summary>Time zone the cron is read in: "UTC" or an IANA id such as "Europe/Berlin".</summary>
    [Required(AllowEmptyStrings = false)]
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Quartz's persistent job store (its own SQLite file, QRTZ_* tables).</summary>
    [Required(AllowEmptyStrings = false)]
    public string SchedulerDatabasePath { get; set; } = "data/scheduler.db";

    /// <summary>How late a fire may be before Quartz treats it as missed (then: fire once and proceed).</summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after the host has started the scheduler starts (its job store check takes ≈ 2 s of CPU,
    /// which would otherwise compete with the first drafts). A fire due meanwhile fires late, not never.
    /// </summary>
    public TimeSpan SchedulerStartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>JSONL of {"comment", "reply"} trained on beside the curated examples (optional).</summary>
    public string? SeedDataPath { get; set; }

    /// <summary>A run is skipped when fewer curated examples arrived since the last adapter.</summary>
    [Range(0, 1_000_000)]
    public int MinNewExamples { get; set; } = 10;

    /// <summary>Promote only when eval loss falls by at least this fraction of the active adapter's (0.01 = 1 %).</summary>
    [Range(0.0, 0.99)]
    public double PromotionMargin { get; set; } = 0.01;

    /// <summary>Share of examples held out for evaluation, split by comment id.</summary>
    [Range(0.01, 0.9)]
    public double EvalFraction { get; set; } = 0.1;

    [Range(1, 1000)]
    public int Epochs { get; set; } = 10;

    /// <summary>Stop after this many optimizer steps (0 = all epochs).</summary>
    [Range(0, 10_000_000)]
    public int MaxSteps { get; set; }

    [Range(1, 1024)]
    public int Rank { get; set; } = 8;

    [Range(0.001, 100_000)]
    public double Alpha { get; set; } = 32;

    [Range(0.0, 0.99)]
    public double Dropout { get; set; } = 0.05;

    /// <summary>Comma-separated projections (q_proj, …, down_proj) or all-linear.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Targets { get; set; } = "q_proj";

    [Range(1e-9, 1.0)]
    public double LearningRate { get; set; } = 2e-4;

    /// <summary>
    /// Examples per micro-batch. 16 (not the PEFT workflow's 4 × 4 accumulation): the same 16 examples per
    /// optimizer step, but one micro-batch runs the shared instruction prefix once for all 16, which costs 1.78
    /// rows of compute per reply token instead of 2.52 at 4 (README, "Shared-prefix training"; peak RSS measured
    /// at 16 on a 7B).
    /// </summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 16;

    [Range(1, 1024)]
    public int GradientAccumulation { get; set; } = 1;

    [Range(32, 32768)]
    public int MaxLength { get; set; } = 512;

    public long Seed { get; set; } = 42;

    /// <summary>
    /// Wall-clock budget of one run (zero = none). The trainer times its first steps, plans the steps
    /// that fit (with the evaluations), stops in time with the best adapter evaluated, and the next
    /// run resumes an unfinished plan. 5 h fits a night on a 7B in NF4 (see the README's figures).
    /// </summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromHours(5);

    /// <summary>Continue from the live adapter on the new curated examples plus a replay sample (off: from scratch on everything; the CLI's --from-scratch).</summary>
    public bool WarmStart { get; set; } = true;

    /// <summary>Older training examples replayed per new one when warm-starting (2 = two old for each new).</summary>
    [Range(0.0, 1000.0)]
    public double ReplayRatio { get; set; } = 2.0;

    /// <summary>
    /// Train on a below-normal-priority thread (nice 10 on Linux) so polling and drafting keep the
    /// cores; off only where a retrain should take its full share (tests on a busy machine).
    /// </summary>
    public bool LowPriority { get; set; } = true;

    /// <summary>Held-out comments answered by the new (and the current) adapter for the report.</summary>
    [Range(0, 20)]
    public int SampleCount { get; set; } = 3;

    [Range(1, 4096)]
    public int SampleMaxNewTokens { get; set; } = 120;

    public TimeZoneInfo ResolveTimeZone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    /// <summary>The trainer's settings (defaults of the reference PEFT workflow unless overridden here).</summary>
    public TrainOptions ToTrainOptions(string? baseModel)
    {
        string t = Targets.Trim();
        bool all = t == "all-linear";
        return new TrainOptions
        {
            Lora = new LoraConfig
            {
                Rank = Rank, Alpha = Alpha, Dropout = Dropout, BaseModelNameOrPath = baseModel,
                TargetModules = all ? [] : t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                TargetPattern = all ? "all-linear" : null,
            },
            LearningRate = (float)LearningRate, Epochs = Epochs, MaxSteps = MaxSteps, BatchSize = BatchSize,
            GradientAccumulation = GradientAccumulation, MaxLength = MaxLength, EvalFraction = EvalFraction,
            Seed = unchecked((ulong)Seed), TimeBudget = TimeBudget,
        };
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!CronExpression.TryParse(Cron, out _))
            yield return new ValidationResult($"ShawBot:Retrain:Cron '{Cron}' is not a Quartz cron expression (seconds minutes hours day month weekday, e.g. \"0 0 3 * * ?\")", [nameof(Cron)]);
        string? zoneError = null;
        try { ResolveTimeZone(); }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException) { zoneError = e.Message; }
        if (zoneError != null)
            yield return new ValidationResult($"ShawBot:Retrain:TimeZone '{TimeZone}' is not a known time zone: {zoneError}", [nameof(TimeZone)]);
        string? trainError = null;
        try { ToTrainOptions(null).Validate(); }
        catch (Exception e) when (e is ArgumentException or IOException) { trainError = e.Message; }
        if (trainError != null)
            yield return new ValidationResult($"ShawBot:Retrain training settings: {trainError}", [nameof(Targets)]);
        if (TimeBudget < TimeSpan.Zero)
            yield return new ValidationResult($"ShawBot:Retrain:TimeBudget {TimeBudget} must be ≥ 0 (0 = no budget)", [nameof(TimeBudget)]);
        if (SchedulerStartDelay < TimeSpan.Zero)
            yield return new ValidationResult($"ShawBot:Retrain:SchedulerStartDelay {SchedulerStartDelay} must be ≥ 0", [nameof(SchedulerStartDelay)]);
        if (MisfireThreshold <= TimeSpan.Zero)
            yield return new ValidationResult("ShawBot:Retrain:MisfireThreshold must be positive", [nameof(MisfireThreshold)]);
    }
}
