using System.Runtime.CompilerServices;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// A tiny fork-join pool for the kernels: part <c>i</c> of a job always runs on worker
/// <c>i % Concurrency</c>, so a kernel that splits its output into fixed ranges gets the same
/// bits whatever the thread timing (no atomics in the maths).
/// </summary>
/// <remarks>
/// Why not Parallel.For: decode calls ~10 kernels per layer per token; Parallel.For allocates a
/// closure and a loop state per call and wakes pool threads through the scheduler. Here the job is
/// a function pointer plus a pointer to the caller's stack arguments (the caller waits, so the
/// stack stays alive), and idle workers spin briefly before blocking, so a call costs a few
/// microseconds and allocates nothing. When another thread already owns the pool (training and
/// drafting at once), the caller runs every part itself instead of waiting.
/// </remarks>
public static unsafe class WorkerPool
{
    private static readonly object Gate = new();
    private static readonly Worker[] Workers;
    private static delegate*<int, void*, void> _fn;
    private static void* _args;
    private static int _parts;
    private static int _pending;
    private static Exception? _error;

    /// <summary>Threads that run kernel parts, the caller included (SHAWBOT_THREADS overrides).</summary>
    public static int Concurrency { get; }

    static WorkerPool()
    {
        int n = Environment.ProcessorCount;
        if (int.TryParse(Environment.GetEnvironmentVariable("SHAWBOT_THREADS"), out int env) && env > 0)
            n = env;
        Concurrency = Math.Clamp(n, 1, 256);
        Workers = new Worker[Concurrency - 1];
        for (int i = 0; i < Workers.Length; i++)
            Workers[i] = new Worker(i + 1);
    }

    /// <summary>Runs <paramref name="fn"/>(part, args) for part in [0, parts) and returns when all are done.</summary>
    public static void Run(int parts, delegate*<int, void*, void> fn, void* args)
    {
        if (parts <= 0) return;
        // A kernel called from inside another kernel's part runs serially: the Gate monitor is
        // re-entrant, so without this the caller's thread would overwrite the running job.
        if (parts == 1 || Workers.Length == 0 || t_insideJob || !Monitor.TryEnter(Gate))
        {
            bool outer = t_insideJob;
            t_insideJob = true;
            try { for (int p = 0; p < parts; p++) fn(p, args); }
            finally { t_insideJob = outer; }
            return;
        }
        try
        {
            _fn = fn; _args = args; _parts = parts; _error = null;
            int active = Math.Min(parts, Concurrency) - 1;
            Volatile.Write(ref _pending, active);
            for (int w = 0; w < active; w++) Workers[w].Start();
            RunShare(0);
            var spin = new SpinWait();
            while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            if (_error is { } e) throw new AggregateException("A kernel part failed.", e);
        }
        finally
        {
            _fn = null; _args = null;
            Monitor.Exit(Gate);
        }
    }

    [ThreadStatic] private static bool t_insideJob;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunShare(int worker)
    {
        t_insideJob = true;
        try
        {
            for (int p = worker; p < _parts; p += Concurrency)
            {
                try { _fn(p, _args); }
                catch (Exception e) { _error = e; }
            }
        }
        finally { t_insideJob = false; }
    }

    private sealed class Worker
    {
        private readonly int _index;
        private readonly SemaphoreSlim _wake = new(0);
        private int _generation;   // bumped by Start; the worker compares with the last one it served
        private int _sleeping;

        public Worker(int index)
        {
            _index = index;
            new Thread(Loop) { IsBackground = true, Name = $"shawbot-kernel-{index}" }.Start();
        }

        public void Start()
        {
            Interlocked.Increment(ref _generation);
            if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1) _wake.Release();
        }

        private void Loop()
        {
            int served = 0;
            while (true)
            {
                // Spin briefly (~0.5 ms) first: between kernels of one forward pass the next job comes
                // sooner than a futex wake-up would take.
                int spins = 0;
                while (Volatile.Read(ref _generation) == served)
                {
                    if (++spins < 4_000) { Thread.SpinWait(8); continue; }
                    // A full fence (not Volatile.Write): the store of the flag must be visible before
                    // the generation is read again, or Start can miss a worker that is going to sleep
                    // (store-load reordering) and the job never completes.
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref _generation) != served)
                    {
                        if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 0) _wake.Wait();
                        break;
                    }
                    _wake.Wait();
                    spins = 0;
                }
                served = Volatile.Read(ref _generation);
                RunShare(_index);
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}
