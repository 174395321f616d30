using System.Runtime.InteropServices;

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
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            if (lowPriority) LowerNiceOnLinux();
            try { done.SetResult(work()); }
            catch (Exception e) { done.SetException(e); }
        })
        {
            Name = name,
            IsBackground = true,
            Priority = lowPriority ? ThreadPriority.BelowNormal : ThreadPriority.Normal,
        };
        thread.Start();
        return done.Task;
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
