using System.Collections.Concurrent;
using Quartz;
using Microsoft.Extensions.DependencyInjection;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>
/// Two hosts' schedulers on one PostgreSQL database, configured as the product does (<see cref="QuartzJobStore"/>):
/// each trigger runs once. (The once-ness comes from Quartz's row locks on QRTZ_LOCKS; this test also passes with
/// clustering off. What clustering adds, failover of a dead host's fired triggers without a starting host
/// "recovering" a live host's, is Quartz's own and not re-tested here.)
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresQuartzClusterTests(PostgresServer server)
{
    private static readonly ConcurrentQueue<(string Trigger, string Instance)> Runs = new();
    private readonly List<ServiceProvider> _containers = [];

    [Fact]
    public async Task Two_clustered_schedulers_run_each_trigger_exactly_once()
    {
        var store = new StoreOptions { Provider = StoreProvider.Postgres, ConnectionString = server.CreateDatabase() };
        var retrain = new RetrainOptions();
        QuartzJobStore.EnsureCreated(store, retrain);
        QuartzJobStore.EnsureCreated(store, retrain); // every start runs it: creates only what is missing

        var a = await Build("host-a", store, retrain);
        var b = await Build("host-b", store, retrain);
        try
        {
            var job = JobBuilder.Create<RecordingJob>().WithIdentity("record", "cluster-test").StoreDurably().Build();
            var start = DateTimeOffset.UtcNow.AddSeconds(2);
            ITrigger Trigger(int i) => TriggerBuilder.Create().WithIdentity($"t{i}", "cluster-test").ForJob(job.Key).StartAt(start.AddMilliseconds(150 * i)).Build();
            await a.ScheduleJob(job, Trigger(0));
            for (var i = 1; i < 6; i++)
            {
                await (i % 2 == 0 ? a : b).ScheduleJob(Trigger(i));
            }

            await a.Start();
            await b.Start();
            var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
            while (Runs.Count < 6 && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            await Task.Delay(TimeSpan.FromSeconds(2)); // a second run would land here
            Assert.Equal(["t0", "t1", "t2", "t3", "t4", "t5"], Runs.Select(r => r.Trigger).Order());
            Assert.All(Runs, r => Assert.Contains(r.Instance, new[] { "host-a", "host-b" }));
        }
        finally
        {
            await a.Shutdown(waitForJobsToComplete: true);
            await b.Shutdown(waitForJobsToComplete: true);
            foreach (var container in _containers)
            {
                await container.DisposeAsync();
            }
        }
    }

    /// <summary>One host's scheduler: its own container (Quartz keeps a scheduler repository per container), the product's store configuration.</summary>
    private async Task<IScheduler> Build(string instance, StoreOptions store, RetrainOptions retrain)
    {
        var services = new ServiceCollection().AddLogging()
            .AddQuartz(q =>
            {
                q.ConfigureScheduler(o => o.InstanceId = instance);
                q.UsePersistentStore(s => QuartzJobStore.Configure(s, store, retrain));
            })
            .BuildServiceProvider();
        _containers.Add(services);
        return await services.GetRequiredService<ISchedulerFactory>().GetScheduler();
    }

    private sealed class RecordingJob : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            Runs.Enqueue((context.Trigger.Key.Name, context.Scheduler.SchedulerInstanceId));
            return ValueTask.CompletedTask;
        }
    }
}
