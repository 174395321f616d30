using Microsoft.Extensions.Logging.Abstractions;
using ShawBot.Core.Ports;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Retraining;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>The plan of a retrain (examples, steps, budget, estimated finish) and its ETA, from the trainer's progress to the reports.</summary>
public sealed class RetrainPlanReportTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Budget = TimeSpan.FromHours(3) - TimeSpan.FromSeconds(19);   // the trainer's share of a 3 h budget
    private static TrainPlan Plan(int planned, DateTimeOffset? finish) => new(300, 400, planned, Budget, finish is null ? null : 1.5, finish);

    private static TrainProgress Step(int step, int planned, DateTimeOffset? finish) =>
        new(step, planned, 1, 1.25, null, 812.4, TimeSpan.FromSeconds(step * 90), 2e-4f) { Plan = Plan(planned, finish) };

    [Theory]
    [InlineData(10800, "3h")]
    [InlineData(10781, "3h")]
    [InlineData(9000, "2h 30m")]
    [InlineData(2700, "45m")]
    [InlineData(40, "40s")]
    public void Budgets_read_to_the_minute(int seconds, string text) =>
        Assert.Equal(text, RetrainPlanText.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void The_plan_line_and_the_finish_against_the_estimate()
    {
        Assert.Equal("plan 300 examples · 120 steps · budget 3h · estimated finish 04:12 UTC", RetrainPlanText.Plan(Plan(120, Start.AddMinutes(72))));
        Assert.Equal("plan 300 examples · 400 steps · budget 3h", RetrainPlanText.Plan(Plan(400, null)));
        Assert.Equal("plan 300 examples · 400 steps", RetrainPlanText.Plan(Plan(400, null) with { Budget = null }));
        var estimate = Start.AddMinutes(72);
        Assert.Equal("finished 03:58 UTC, estimated 04:12 UTC (14 min early)", RetrainPlanText.Finish(Start.AddMinutes(58).AddSeconds(10), estimate));
        Assert.Equal("finished 04:20 UTC, estimated 04:12 UTC (8 min late)", RetrainPlanText.Finish(Start.AddMinutes(80), estimate));
        Assert.Equal("finished 04:12 UTC, estimated 04:12 UTC (on time)", RetrainPlanText.Finish(estimate.AddSeconds(20), estimate));
        Assert.Equal("finished 04:12 UTC", RetrainPlanText.Finish(estimate, null));
    }

    [Fact]
    public void The_discord_start_message_gives_the_plan_and_the_end_message_the_finish_against_it()
    {
        var start = DiscordRetrainReporter.BuildStart(new RetrainStart("alice", Start, Plan(120, Start.AddMinutes(72))));
        start.Validate();
        Assert.Equal("Retrain started 03:00 UTC (requested by alice): plan 300 examples · 120 steps · budget 3h · estimated finish 04:12 UTC", start.Content);

        var outcome = new RetrainOutcome(RetrainOutcomeKind.NotPromoted, "eval loss did not improve", "alice", Start, Start.AddMinutes(58))
        {
            Training = new TrainResult(120, 1.1, 1.3, 2, [], [], true, "/tmp"), AnnouncedPlan = Plan(120, Start.AddMinutes(72)),
        };
        var end = DiscordRetrainReporter.Build(outcome);
        end.Validate();
        var fields = Assert.Single(end.Embeds!).Fields!;
        Assert.Equal("plan 300 examples · 120 steps · budget 3h · estimated finish 04:12 UTC", fields.Single(f => f.Name == "Plan").Value);
        Assert.Equal("finished 03:58 UTC, estimated 04:12 UTC (14 min early)", fields.Single(f => f.Name == "Finish").Value);
        // No plan announced (skipped, or stopped before its steps were timed): no plan fields.
        Assert.DoesNotContain(Assert.Single(DiscordRetrainReporter.Build(outcome with { AnnouncedPlan = null }).Embeds!).Fields!, f => f.Name is "Plan" or "Finish");
    }

    [Fact]
    public async Task The_snapshot_carries_the_announced_plan_and_the_live_eta_and_the_reporters_hear_the_plan_once_then_the_outcome()
    {
        var runner = new ScriptedRunner();
        var reporter = new RecordingReporter();
        using var coordinator = new RetrainCoordinator(runner, [reporter], NullLogger<RetrainCoordinator>.Instance, new FixedTime(Start));
        IRetrainProgress progress = coordinator;
        Assert.True(coordinator.TryStart(new RetrainRequest("alice"), out var run, out _));

        // Step 1 is not timed: the plan is the epochs' 400 steps, no estimate, no ETA, nothing announced.
        await runner.Reported.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var first = progress.Current!;
        Assert.Equal((true, "training", 1, 400), (first.Running, first.Phase, first.Step, first.TotalSteps));
        Assert.Equal(new RetrainPlanInfo(300, 400, Budget, null), first.Plan);
        Assert.Null(first.Eta);
        Assert.Equal(812.4, first.TokensPerSecond);
        Assert.Empty(reporter.Starts);

        // Steps 2 and 40: the plan as first timed (120 steps, 04:12) is the one announced and kept; the ETA follows the latest.
        runner.Reported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        runner.Step1Done.SetResult();
        await runner.Reported.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var later = progress.Current!;
        Assert.Equal((40, 118), (later.Step, later.TotalSteps));
        Assert.Equal(new RetrainPlanInfo(300, 120, Budget, Start.AddMinutes(72)), later.Plan);
        Assert.Equal(Start.AddMinutes(55), later.Eta);
        await reporter.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var announced = Assert.Single(reporter.Starts);
        Assert.Equal(("alice", Start, Start.AddMinutes(72)), (announced.RequestedBy, announced.StartedAt, announced.Plan.EstimatedFinish));

        runner.Step40Done.SetResult();
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Start.AddMinutes(72), outcome.AnnouncedPlan!.EstimatedFinish);
        Assert.Equal(Start.AddMinutes(72), Assert.Single(reporter.Outcomes).AnnouncedPlan!.EstimatedFinish);
        var last = progress.Current!;
        Assert.Equal((false, "done", Start.AddMinutes(58)), (last.Running, last.Phase, last.FinishedAt));
        Assert.Equal(new RetrainPlanInfo(300, 120, Budget, Start.AddMinutes(72)), last.Plan);
        Assert.Null(last.Eta);
    }

    private sealed class ScriptedRunner : IRetrainRunner
    {
        public TaskCompletionSource Reported { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Step1Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Step40Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<RetrainOutcome> RunAsync(RetrainRequest request, IProgress<TrainProgress>? progress, CancellationToken cancellationToken)
        {
            progress!.Report(Step(1, 400, null));
            Reported.SetResult();
            await Step1Done.Task.WaitAsync(cancellationToken);
            progress.Report(Step(2, 120, Start.AddMinutes(72)));
            progress.Report(Step(40, 118, Start.AddMinutes(55)));
            Reported.SetResult();
            await Step40Done.Task.WaitAsync(cancellationToken);
            return new RetrainOutcome(RetrainOutcomeKind.NotPromoted, "eval loss did not improve", request.RequestedBy, Start, Start.AddMinutes(58))
            {
                Training = new TrainResult(118, 1.1, 1.3, 1, [], [], true, "/tmp") { Plan = Plan(118, Start.AddMinutes(57)) },
            };
        }
    }

    private sealed class RecordingReporter : IRetrainReporter
    {
        public List<RetrainStart> Starts { get; } = [];
        public List<RetrainOutcome> Outcomes { get; } = [];
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task ReportStartAsync(RetrainStart start, CancellationToken cancellationToken)
        {
            lock (Starts) Starts.Add(start);
            Started.TrySetResult();
            return Task.CompletedTask;
        }

        public Task ReportAsync(RetrainOutcome outcome, CancellationToken cancellationToken)
        {
            lock (Outcomes) Outcomes.Add(outcome);
            return Task.CompletedTask;
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
