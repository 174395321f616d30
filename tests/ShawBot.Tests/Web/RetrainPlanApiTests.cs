using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ShawBot.Cli.Demo;
using ShawBot.Core.Ports;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Tests.Support;

namespace ShawBot.Tests.Web;

/// <summary>GET /api/status while a retrain runs: the plan and the ETA as the page reads them.</summary>
public sealed class RetrainPlanApiTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_status_gives_the_plan_step_tokens_per_second_and_eta_while_a_retrain_runs()
    {
        using var folder = new TempFolder();
        var runner = new GatedRunner();
        using var coordinator = new RetrainCoordinator(runner, [], NullLogger<RetrainCoordinator>.Instance);
        await using var demo = await DemoHost.StartAsync(DemoPageBrowserTests.DemoOptions(folder.File("state"), model: null),
            s => s.AddSingleton<IRetrainProgress>(coordinator));
        using var http = new HttpClient { BaseAddress = demo.PageUri };

        Assert.Equal(JsonValueKind.Null, (await http.GetFromJsonAsync<JsonElement>("api/status")).GetProperty("retrainProgress").ValueKind);
        Assert.True(coordinator.TryStart(new RetrainRequest("alice"), out var run, out _));
        await runner.Reported.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var p = (await http.GetFromJsonAsync<JsonElement>("api/status")).GetProperty("retrainProgress");
        Assert.Equal((true, "training", 40, 120), (p.GetProperty("running").GetBoolean(), p.GetProperty("phase").GetString(), p.GetProperty("step").GetInt32(), p.GetProperty("totalSteps").GetInt32()));
        Assert.Equal(812.5, p.GetProperty("tokensPerSecond").GetDouble());
        Assert.Equal(Start.AddMinutes(55), p.GetProperty("eta").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, p.GetProperty("finishedAt").ValueKind);
        var plan = p.GetProperty("plan");
        Assert.Equal((300, 120), (plan.GetProperty("examples").GetInt32(), plan.GetProperty("plannedSteps").GetInt32()));
        Assert.Equal("03:00:00", plan.GetProperty("budget").GetString());
        Assert.Equal(Start.AddMinutes(72), plan.GetProperty("estimatedFinish").GetDateTimeOffset());

        runner.Release.SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        var done = (await http.GetFromJsonAsync<JsonElement>("api/status")).GetProperty("retrainProgress");
        Assert.Equal((false, "skipped"), (done.GetProperty("running").GetBoolean(), done.GetProperty("phase").GetString()));
        Assert.Equal(Start.AddMinutes(58), done.GetProperty("finishedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("eta").ValueKind);
        Assert.Equal(Start.AddMinutes(72), done.GetProperty("plan").GetProperty("estimatedFinish").GetDateTimeOffset());
    }

    /// <summary>Reports step 2 (the first timed: the plan announced) and step 40, then waits to be released.</summary>
    private sealed class GatedRunner : IRetrainRunner
    {
        public TaskCompletionSource Reported { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<RetrainOutcome> RunAsync(RetrainRequest request, IProgress<TrainProgress>? progress, CancellationToken cancellationToken)
        {
            TrainProgress At(int step, DateTimeOffset finish) => new(step, 120, 1, 1.25, null, 812.5, TimeSpan.FromSeconds(step * 80), 2e-4f)
            {
                Plan = new TrainPlan(300, 400, 120, TimeSpan.FromHours(3), 1.5, finish),
            };
            progress!.Report(At(2, Start.AddMinutes(72)));
            progress.Report(At(40, Start.AddMinutes(55)));
            Reported.SetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return new RetrainOutcome(RetrainOutcomeKind.Skipped, "scripted", request.RequestedBy, Start, Start.AddMinutes(58));
        }
    }
}
