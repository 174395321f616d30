using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using ShawBot.Engine.Kernels;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// Runs CPU-heavy work on a dedicated thread at below-normal priority, so polling, moderation and
/// drafting keep their share of the cores while a retrain runs.
/// </summary>
/// <remarks>
/// ThreadPriority.BelowNormal is what Windows honours; on Linux the runtime ignores it, so the
/// thread also lowers its own nice value (setpriority on its kernel thread id: Linux applies nice
/// per thread). The engine's kernel workers (WorkerPool) are shared with drafting and keep normal
/// priority; when drafting and training both want them, the second caller runs its kernel parts
/// on its own thread instead of waiting, so neither blocks the other.
/// </remarks>
public static partial class BelowNormalThread
{
    public const int NiceBelowNormal = 10;

    public static Task<T> Run<T>(string name, Func<T> work, bool lowPriority = true)
    {
        // A Linux thread inherits the nice value of the thread that creates it. The kernel workers
        // start in WorkerPool's static constructor: run it here, at normal priority, first.
        _ = WorkerPool.Concurrency;
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            if (lowPriority) LowerNiceOnLinux();
            try { result = work(); }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
        })
        {
            Name = name,
            IsBackground = true,
            Priority = lowPriority ? ThreadPriority.BelowNormal : ThreadPriority.Normal,
        };
        thread.Start();
        // The task is completed by a normal-priority thread that waits for the worker, never by
        // the worker itself: completing it there could make the thread pool create a worker from
        // the niced thread, and every later pool thread created by that one would inherit nice 10.
        return Task.Factory.StartNew(() =>
        {
            thread.Join();
            error?.Throw();
            return result;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Like <see cref="Run{T}"/>, and whatever <paramref name="work"/> parallelises with Parallel.For/ForEach (which
    /// schedule on TaskScheduler.Current) also stays on this one low-priority thread. Lingua's detector loads its
    /// n-gram models in a Parallel.ForEach over the five n-gram sizes: on the thread pool that is both cores at
    /// normal priority for seconds after a start, beside the first drafts; here it is one core at nice 10.
    /// </summary>
    public static Task RunAlone(string name, Action work, bool lowPriority = true)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Run(name, () =>
        {
            var scheduler = new OneThreadScheduler(Thread.CurrentThread);
            var task = new Task(work);
            task.RunSynchronously(scheduler);   // inline on this thread, with TaskScheduler.Current = scheduler
            task.GetAwaiter().GetResult();      // rethrows work's exception as it was thrown
            return true;
        }, lowPriority);
    }

    /// <summary>
    /// A scheduler of one thread, its owner, that only ever runs tasks inline. MaximumConcurrencyLevel = 1 makes
    /// Parallel.For/ForEach run a single replica, which it starts with RunSynchronously: inline, on the owner.
    /// A task that is queued instead (nothing in the code it serves does that) goes to the thread pool: waiting for
    /// the owner, which may itself be waiting, could deadlock, and running it at normal priority only costs priority.
    /// </summary>
    private sealed class OneThreadScheduler(Thread owner) : TaskScheduler
    {
        private readonly ConcurrentQueue<Task> _handedOff = new();

        public override int MaximumConcurrencyLevel => 1;

        protected override void QueueTask(Task task)
        {
            _handedOff.Enqueue(task);
            ThreadPool.UnsafeQueueUserWorkItem(_ => { if (_handedOff.TryDequeue(out var t)) TryExecuteTask(t); }, null);
        }

        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
            Thread.CurrentThread == owner && TryExecuteTask(task);

        protected override IEnumerable<Task> GetScheduledTasks() => _handedOff;
    }

    private static void LowerNiceOnLinux()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { _ = SetPriority(0 /* PRIO_PROCESS: with a thread id, that thread */, GetTid(), NiceBelowNormal); }
        catch (EntryPointNotFoundException) { }
        catch (DllNotFoundException) { }
    }

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int prio);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
