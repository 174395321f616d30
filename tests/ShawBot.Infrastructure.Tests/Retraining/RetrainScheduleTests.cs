using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using ShawBot.Core.Ports;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>
/// Quartz in the generic host with the persistent SQLite store, the retrain runner replaced by a
/// recorder: seconds-level crons at a chosen wall-clock time in a non-UTC zone.
/// </summary>
[Collection(RetrainCollection.Name)]
public sealed class RetrainScheduleTests : IDisposable
{
    private const string Zone = "Asia/Kolkata";           // UTC+05:30 all year: local ≠ UTC, no DST surprises
    private readonly TempFolder _folder = new();
    private readonly RecordingRunner _runner = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_default_nightly_cron_fires_at_03_00_local_time_across_a_DST_change()
    {
        var options = new RetrainOptions { TimeZone = "Europe/Berlin" };
        var trigger = TriggerBuilder.Create().WithIdentity(RetrainJob.NightlyTrigger).ForJob(RetrainJob.Key)
            .StartAt(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
            .WithCronSchedule(options.Cron, c => c.InTimeZone(options.ResolveTimeZone())).Build();
        // 2026-03-29: clocks go from CET (UTC+1) to CEST (UTC+2) at 02:00.
        var before = trigger.GetFireTimeAfter(new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero));
        var first = trigger.GetFireTimeAfter(before);
        var second = trigger.GetFireTimeAfter(first);
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 2, 0, 0, TimeSpan.Zero), before);   // 03:00 CET
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), first);    // 03:00 CEST
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 1, 0, 0, TimeSpan.Zero), second);
    }

    [Fact]
    public async Task The_cron_fires_the_retrain_once_at_the_configured_local_time()
    {
        var fireAt = NextWholeSecond(DateTimeOffset.UtcNow.AddSeconds(3));
        using (var host = await StartHostAsync(CronAt(fireAt)))
        {
            await Wait.UntilAsync(() => !_runner.Calls.IsEmpty, TimeSpan.FromSeconds(15), "the scheduled retrain");
            await Task.Delay(1500);                       // a second fire would show up now
            var call = Assert.Single(_runner.Calls);
            Assert.Equal("schedule", call.RequestedBy);
            Assert.InRange(call.At, fireAt.AddMilliseconds(-50), fireAt.AddSeconds(2));

            var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            var stored = (ICronTrigger)(await scheduler.GetTrigger(RetrainJob.NightlyTrigger))!;
            Assert.Equal(Zone, stored.TimeZone.Id);
            Assert.Equal(CronTriggerMisfireInstruction.FireAndProceed, stored.MisfireInstruction);
            Assert.Equal(fireAt.AddDays(1), stored.NextFireTimeUtc);
            await host.StopAsync();
        }

        // The job store is Quartz's ADO.NET store in its own SQLite file.
        using var db = new SqliteConnection($"Data Source={_folder.File("scheduler.db")}");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM QRTZ_CRON_TRIGGERS WHERE TRIGGER_NAME = 'retrain-nightly';";
        Assert.Equal(1L, command.ExecuteScalar());
    }

    [Fact]
    public async Task A_run_missed_while_the_service_was_down_fires_once_after_the_restart()
    {
        var fireAt = NextWholeSecond(DateTimeOffset.UtcNow.AddSeconds(4));
        string cron = CronAt(fireAt);
        using (var first = await StartHostAsync(cron))
        {
            await first.StopAsync();                      // down before the fire time
        }
        Assert.Empty(_runner.Calls);

        await Task.Delay(fireAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2));     // the fire time passes, beyond the 1 s misfire threshold
        Assert.Empty(_runner.Calls);

        using var second = await StartHostAsync(cron);
        await Wait.UntilAsync(() => !_runner.Calls.IsEmpty, TimeSpan.FromSeconds(15), "the missed retrain after the restart");
        await Task.Delay(2000);
        var call = Assert.Single(_runner.Calls);
        Assert.True(call.At > fireAt.AddSeconds(1.5), $"fired at {call.At:O}, before the restart?");
        var scheduler = await second.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        Assert.Equal(fireAt.AddDays(1), (await scheduler.GetTrigger(RetrainJob.NightlyTrigger))!.NextFireTimeUtc);
        await second.StopAsync();
    }

    [Fact]
    public async Task The_scheduler_starts_after_the_host_and_its_delay_and_still_fires_the_retrain()
    {
        var delay = TimeSpan.FromSeconds(1.5);
        var fireAt = NextWholeSecond(DateTimeOffset.UtcNow.AddSeconds(5));
        using var host = await StartHostAsync(CronAt(fireAt), delay);
        var scheduler = host.Services.GetRequiredService<RetrainScheduler>();
        // The host's start did none of Quartz's work: no job store file yet, the scheduler not started.
        Assert.False(File.Exists(_folder.File("scheduler.db")));
        Assert.False(scheduler.Starting.IsCompleted);

        await scheduler.Starting.WaitAsync(TimeSpan.FromSeconds(15));
        var quartz = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        Assert.Equal(SchedulerStatus.Running, quartz.Status);
        Assert.Equal(fireAt, (await quartz.GetTrigger(RetrainJob.NightlyTrigger))!.NextFireTimeUtc);
        await Wait.UntilAsync(() => !_runner.Calls.IsEmpty, TimeSpan.FromSeconds(15), "the scheduled retrain");
        var call = Assert.Single(_runner.Calls);
        Assert.Equal("schedule", call.RequestedBy);
        Assert.InRange(call.At, fireAt.AddMilliseconds(-50), fireAt.AddSeconds(2));
        await host.StopAsync();
        Assert.Equal(SchedulerStatus.Shutdown, quartz.Status);
    }

    [Fact]
    public async Task A_host_stopped_during_the_start_delay_still_stores_its_trigger()
    {
        using (var host = await StartHostAsync("0 0 3 * * ?", TimeSpan.FromMinutes(10)))
        {
            Assert.False(File.Exists(_folder.File("scheduler.db")));
            await host.StopAsync();                       // well within the delay
        }

        using var db = new SqliteConnection($"Data Source={_folder.File("scheduler.db")}");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT CRON_EXPRESSION, TIME_ZONE_ID FROM QRTZ_CRON_TRIGGERS WHERE TRIGGER_NAME = 'retrain-nightly';";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(("0 0 3 * * ?", Zone), (reader.GetString(0), reader.GetString(1)));
        Assert.False(reader.Read());
        Assert.Empty(_runner.Calls);
    }

    [Fact]
    public async Task A_trigger_while_a_run_is_going_is_refused_and_says_so()
    {
        _runner.Gate = new TaskCompletionSource();
        using var host = await StartHostAsync("0 0 3 * * ?");
        var trigger = host.Services.GetRequiredService<IRetrainTrigger>();
        var first = await trigger.TriggerRetrainAsync("alice", CancellationToken.None);
        var second = await trigger.TriggerRetrainAsync("bob", CancellationToken.None);
        Assert.True(first.Accepted);
        Assert.False(second.Accepted);
        Assert.StartsWith("A retrain is already running (started ", second.Message);
        Assert.Contains("by alice", second.Message);
        var progress = host.Services.GetRequiredService<IRetrainProgress>();
        Assert.Equal((true, "dataset", "requested by alice"), (progress.Current!.Running, progress.Current.Phase, progress.Current.Message));
        _runner.Gate.SetResult();
        var coordinator = host.Services.GetRequiredService<RetrainCoordinator>();
        await coordinator.WhenIdleAsync();
        Assert.Equal((false, "skipped", "recorded"), (progress.Current!.Running, progress.Current.Phase, progress.Current.Message));
        Assert.Equal(["alice"], _runner.Calls.Select(c => c.RequestedBy));
        Assert.True((await trigger.TriggerRetrainAsync("bob", CancellationToken.None)).Accepted);
        await coordinator.WhenIdleAsync();
        await host.StopAsync();
    }

    private static DateTimeOffset NextWholeSecond(DateTimeOffset t) =>
        new DateTimeOffset(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(1);

    /// <summary>"ss mm HH * * ?" for <paramref name="utc"/> read as wall-clock time in <see cref="Zone"/>.</summary>
    private static string CronAt(DateTimeOffset utc)
    {
        var local = TimeZoneInfo.ConvertTime(utc, TimeZoneInfo.FindSystemTimeZoneById(Zone));
        Assert.NotEqual(utc.Hour * 60 + utc.Minute, local.Hour * 60 + local.Minute);
        return string.Create(CultureInfo.InvariantCulture, $"{local.Second} {local.Minute} {local.Hour} * * ?");
    }

    private async Task<IHost> StartHostAsync(string cron, TimeSpan? schedulerStartDelay = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ShawBot:Retrain:Enabled"] = "true",
            ["ShawBot:Retrain:Cron"] = cron,
            ["ShawBot:Retrain:TimeZone"] = Zone,
            ["ShawBot:Adapters:Path"] = _folder.File("adapters"),
            ["ShawBot:Retrain:SchedulerDatabasePath"] = _folder.File("scheduler.db"),
            ["ShawBot:Retrain:MisfireThreshold"] = "00:00:01",
            ["ShawBot:Retrain:SchedulerStartDelay"] = (schedulerStartDelay ?? TimeSpan.Zero).ToString("c", CultureInfo.InvariantCulture),
        });
        builder.Logging.ClearProviders();
        builder.Services.AddShawBotRetraining(builder.Configuration);
        builder.Services.Replace(ServiceDescriptor.Singleton<IRetrainRunner>(_runner));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private sealed record Call(string RequestedBy, DateTimeOffset At);

    private sealed class RecordingRunner : IRetrainRunner
    {
        public ConcurrentQueue<Call> Calls { get; } = new();

        public TaskCompletionSource? Gate { get; set; }

        public async Task<RetrainOutcome> RunAsync(RetrainRequest request, IProgress<TrainProgress>? progress, CancellationToken cancellationToken)
        {
            var at = DateTimeOffset.UtcNow;
            Calls.Enqueue(new Call(request.RequestedBy, at));
            if (Gate is { } gate) await gate.Task.WaitAsync(cancellationToken);
            return new RetrainOutcome(RetrainOutcomeKind.Skipped, "recorded", request.RequestedBy, at, DateTimeOffset.UtcNow);
        }
    }
}
