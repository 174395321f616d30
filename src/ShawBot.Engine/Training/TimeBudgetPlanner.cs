namespace ShawBot.Engine.Training;

/// <summary>
/// What a run means to do: the examples per epoch, the steps the epochs call for, the steps that
/// fit the time budget (measured, not guessed: see <see cref="TimeBudgetPlanner"/>) and when they end.
/// </summary>
public sealed record TrainPlan(int Examples, int TotalSteps, int PlannedSteps, TimeSpan? Budget, double? SecondsPerStep, DateTimeOffset? EstimatedFinish)
{
    public override string ToString() =>
        $"{Examples} examples, {PlannedSteps}/{TotalSteps} steps" + (SecondsPerStep is { } s ? $" at {s:0.0} s/step" : "")
        + (EstimatedFinish is { } f ? $", finish ≈ {f:HH:mm:ss} UTC" : "") + (Budget is { } b ? $" (budget {b})" : "");

    /// <summary>
    /// The one ETA formula (the planner's <see cref="EstimatedFinish"/>, and through it the page and the reports):
    ///   finish = now + max(0, planned − step) · secondsPerStep + evaluationsLeft · evalSeconds.
    /// </summary>
    public static DateTimeOffset FinishAt(DateTimeOffset now, int step, int plannedSteps, double secondsPerStep, int evaluationsLeft, double evalSeconds) =>
        now + TimeSpan.FromSeconds(Math.Max(0, plannedSteps - step) * secondsPerStep + evaluationsLeft * evalSeconds);
}

/// <summary>
/// The time budget of one <see cref="Trainer.Train"/> call. Steps before the first are not timed
/// (JIT, allocation); from the second on, seconds per step is the mean of the last ≤ 8 steps,
/// and every step re-plans:
///   planned = min(total, step + ⌊(deadline − now − reserve) / secondsPerStep⌋),
///   reserve = (epoch-end evaluations inside the plan + ReserveEvaluations after it) · evalSeconds + 2 % of the budget,
/// evalSeconds measured when an evaluation ran, else estimated as a forward pass over the eval
/// rows at a third of a training step's cost per row (forward + backward ≈ 3 forwards).
/// Without a budget the plan is the whole run and nothing stops early.
/// </summary>
internal sealed class TimeBudgetPlanner
{
    /// <summary>Kept for writing the checkpoint, the output adapter and the loss curves after the last evaluation.</summary>
    private const double FinishShare = 0.02;
    private readonly DateTimeOffset? _deadline;
    private readonly TimeSpan? _budget;
    private readonly int _examples, _total, _stepsPerEpoch, _calibration, _reserve;
    private readonly double _evalRowsPerStepRow;
    private readonly Queue<double> _recent = new();
    private double? _evalSeconds;
    private DateTimeOffset _last;
    private int _timed;

    public TimeBudgetPlanner(TrainOptions o, IReadOnlyList<EncodedExample> train, IReadOnlyList<EncodedExample> eval, int totalSteps, int stepsPerEpoch, DateTimeOffset now)
    {
        _budget = o.TimeBudget > TimeSpan.Zero ? o.TimeBudget : null;
        _deadline = now + _budget;
        _examples = train.Count; _total = totalSteps; _stepsPerEpoch = Math.Max(1, stepsPerEpoch); _calibration = o.CalibrationSteps; _reserve = o.ReserveEvaluations;
        double rowsPerStep = train.Average(e => e.Ids.Length) * o.BatchSize * o.GradientAccumulation;
        _evalRowsPerStepRow = eval.Sum(e => e.Ids.Length) / rowsPerStep;
        _last = now;
        PlannedSteps = totalSteps;
    }

    public int PlannedSteps { get; private set; }
    public double? SecondsPerStep { get; private set; }
    public DateTimeOffset? EstimatedFinish { get; private set; }

    public TrainPlan Plan => new(_examples, _total, PlannedSteps, _budget, SecondsPerStep, EstimatedFinish);

    /// <summary>True when the budget has no room for the next step (never before the calibration steps ran).</summary>
    public bool ShouldStop(int step) => _deadline is not null && _timed >= _calibration && step >= PlannedSteps;

    /// <summary>Restarts the step clock (after an evaluation, which it measures).</summary>
    public void EvaluationDone(DateTimeOffset started, DateTimeOffset now)
    {
        _evalSeconds = (now - started).TotalSeconds;
        _last = now;
    }

    public void StepDone(int step, DateTimeOffset now)
    {
        double seconds = (now - _last).TotalSeconds;
        _last = now;
        if (_timed++ > 0 || _calibration == 0 || _total == 1)
        {
            _recent.Enqueue(seconds);
            if (_recent.Count > 8) _recent.Dequeue();
        }
        if (_recent.Count == 0) return;
        double perStep = _recent.Average();
        SecondsPerStep = perStep;
        double evalSeconds = _evalSeconds ?? perStep * _evalRowsPerStepRow / 3;
        int planned = _total;
        if (_deadline is { } deadline)
        {
            // Fixed point in two passes: the reserve depends on how many epoch ends the plan crosses.
            for (int pass = 0; pass < 2; pass++)
            {
                int evals = _reserve + Math.Max(0, planned / _stepsPerEpoch - step / _stepsPerEpoch);
                double room = (deadline - now).TotalSeconds - evals * evalSeconds - FinishShare * _budget!.Value.TotalSeconds;
                planned = Math.Clamp(step + (int)Math.Floor(room / perStep), step, _total);
            }
        }
        PlannedSteps = planned;
        int evalsLeft = _reserve + Math.Max(0, planned / _stepsPerEpoch - step / _stepsPerEpoch);
        EstimatedFinish = TrainPlan.FinishAt(now, step, planned, perStep, evalsLeft, evalSeconds);
    }
}
