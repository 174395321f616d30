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
