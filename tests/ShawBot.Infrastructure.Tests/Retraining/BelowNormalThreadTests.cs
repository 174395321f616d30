using ShawBot.Infrastructure.Retraining;

namespace ShawBot.Infrastructure.Tests.Retraining;

public sealed class BelowNormalThreadTests
{
    [Fact]
    public async Task Training_work_runs_on_its_own_below_normal_thread_with_nice_10_on_linux()
    {
        int caller = Environment.CurrentManagedThreadId;
        var (thread, priority, name, nice) = await BelowNormalThread.Run("retrain-probe",
            () => (Environment.CurrentManagedThreadId, Thread.CurrentThread.Priority, Thread.CurrentThread.Name, ReadNice()));
        Assert.NotEqual(caller, thread);
        Assert.Equal(ThreadPriority.BelowNormal, priority);
        Assert.Equal("retrain-probe", name);
        if (OperatingSystem.IsLinux()) Assert.Equal(BelowNormalThread.NiceBelowNormal, nice);

        var normal = await BelowNormalThread.Run("retrain-probe", () => (Thread.CurrentThread.Priority, ReadNice()), lowPriority: false);
        Assert.Equal(ThreadPriority.Normal, normal.Priority);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(0, normal.Item2);
            // Nothing created after a low-priority run inherits its nice value: not the thread that
            // runs this continuation, not pool threads.
            Assert.Equal(0, ReadNice());
            var pool = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(ReadNice)));
            Assert.All(pool, n => Assert.Equal(0, n));
        }
    }

    [Fact]
    public async Task An_exception_in_the_work_faults_the_task()
    {
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => BelowNormalThread.Run<int>("retrain-probe", () => throw new InvalidDataException("bad checkpoint")));
        Assert.Equal("bad checkpoint", e.Message);
    }

    /// <summary>Field 19 of /proc/thread-self/stat (the fields after the parenthesised name start at field 3).</summary>
    private static int ReadNice()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        string stat = File.ReadAllText("/proc/thread-self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
