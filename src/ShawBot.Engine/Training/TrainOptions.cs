using ShawBot.Engine.Lora;
using ShawBot.Engine.Retrieval;

namespace ShawBot.Engine.Training;

public enum LrSchedule { Constant, Cosine, Linear }

/// <summary>
/// Trainer settings. Defaults follow the reference PEFT workflow: lr 2e-4, batch 4, gradient
/// accumulation 4, 10 epochs, 2 warmup steps, weight decay 0.01, max grad norm 1, eval and save
/// every epoch, the best adapter kept.
/// </summary>
public sealed record TrainOptions
{
    public LoraConfig Lora { get; init; } = new() { Rank = 8, Alpha = 32, TargetModules = ["q_proj"], Dropout = 0.05 };
    public float LearningRate { get; init; } = 2e-4f;
    public int BatchSize { get; init; } = 4;
    public int GradientAccumulation { get; init; } = 4;
    public int Epochs { get; init; } = 10;
    public int WarmupSteps { get; init; } = 2;
    public LrSchedule Schedule { get; init; } = LrSchedule.Constant;
    public float MaxGradNorm { get; init; } = 1f;
    public AdamWOptions Optimizer { get; init; } = new() { WeightDecay = 0.01f, EightBit = true };
    public int MaxLength { get; init; } = 512;
    public double EvalFraction { get; init; } = 0.1;
    public bool TrainOnPrompt { get; init; }
    public bool GradientCheckpointing { get; init; } = true;
    public ulong Seed { get; init; } = 42;
    /// <summary>Stop after this many optimizer steps (0 = run all epochs); for tests and quick runs.</summary>
    public int MaxSteps { get; init; }
    /// <summary>Voice memory's k and token budget, used when the template has {examples} (see <see cref="Trainer.MemoryOf"/>).</summary>
    public VoiceMemoryOptions VoiceMemory { get; init; } = new();
    /// <summary>
    /// Wall-clock budget of one Train call (zero = none): the run times its steps, plans how many fit,
    /// stops in time with the best adapter evaluated, and leaves its checkpoint for the next call.
    /// </summary>
    public TimeSpan TimeBudget { get; init; }
    /// <summary>Steps timed before the budget may stop the run (the first, untimed, one excluded).</summary>
    public int CalibrationSteps { get; init; } = 2;
    /// <summary>Evaluations over the eval set the budget keeps room for after the last step (the trainer's own, plus any the caller runs).</summary>
    public int ReserveEvaluations { get; init; } = 1;
    /// <summary>
    /// A PEFT adapter folder to continue from (the live adapter) instead of PEFT's initialisation.
    /// Its own rank, alpha and targets are used, since its weights fix them; dropout is this Lora's.
    /// </summary>
    public string? WarmStartPath { get; init; }
    /// <summary>Run each micro-batch's common instruction tokens once (exact: the same loss and gradients).</summary>
    public bool SharedPrefix { get; init; } = true;

    public void Validate()
    {
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "learning rate must be > 0");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be > 0");
        if (GradientAccumulation <= 0) throw new ArgumentOutOfRangeException(nameof(GradientAccumulation), GradientAccumulation, "gradient accumulation must be > 0");
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "epochs must be > 0");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, "warmup steps must be ≥ 0");
        if (MaxLength < 32) throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "max length must be ≥ 32");
        if (TimeBudget < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(TimeBudget), TimeBudget, "time budget must be ≥ 0 (0 = none)");
        if (CalibrationSteps is < 0 or > 1000) throw new ArgumentOutOfRangeException(nameof(CalibrationSteps), CalibrationSteps, "calibration steps must be in [0, 1000]");
        if (ReserveEvaluations is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(ReserveEvaluations), ReserveEvaluations, "reserve evaluations must be in [0, 100]");
        if (EvalFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(EvalFraction), EvalFraction, "eval fraction must be in [0, 1)");
        Lora.Validate("training options");
        VoiceMemory.Validate();
    }

    /// <summary>HF's schedules: linear warmup over WarmupSteps, then constant, cosine or linear decay to 0 (step is 0-based).</summary>
    public float LearningRateAt(int step, int totalSteps)
    {
        if (step < WarmupSteps) return LearningRate * step / Math.Max(1, WarmupSteps);
        double progress = (double)(step - WarmupSteps) / Math.Max(1, totalSteps - WarmupSteps);
        return Schedule switch
        {
            LrSchedule.Cosine => (float)(LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)))),
            LrSchedule.Linear => (float)(LearningRate * Math.Max(0, 1 - progress)),
            _ => LearningRate,
        };
    }
}

/// <summary>Progress of a run, reported after every optimizer step and evaluation.</summary>
/// <remarks>
/// Under a time budget TotalSteps is the planned steps (what fits), and <see cref="Plan"/> says more; its
/// EstimatedFinish is the ETA (null before the first timed steps; see <see cref="TrainPlan.FinishAt"/>).
/// </remarks>
public sealed record TrainProgress(int Step, int TotalSteps, int Epoch, double TrainLoss, double? EvalLoss, double TokensPerSecond, TimeSpan Elapsed, float LearningRate)
{
    public TrainPlan? Plan { get; init; }
}

/// <summary>What a run produced.</summary>
public sealed record TrainResult(int Steps, double FinalTrainLoss, double? BestEvalLoss, int BestEpoch, IReadOnlyList<double> TrainLosses,
    IReadOnlyList<double> EvalLosses, bool Completed, string OutputDirectory)
{
    /// <summary>False when the time budget ended the run first: outDir holds the best adapter so far and a checkpoint to resume.</summary>
    public bool PlanFinished { get; init; } = true;
    public TrainPlan? Plan { get; init; }
}
