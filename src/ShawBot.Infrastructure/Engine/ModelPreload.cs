using ShawBot.Engine.Generation;

namespace ShawBot.Infrastructure.Engine;

/// <summary>
/// A model load started before the host exists, handed to <see cref="LanguageModel"/> when it asks
/// for the same folder and format. The demo starts one while its sandboxes and host start, so the
/// weights and tokenizer are read on the second core instead of after everything else.
/// </summary>
public sealed class ModelPreload : IDisposable
{
    private readonly Task<LocalModel> _load;
    private int _taken;

    private ModelPreload(LocalModelSpec spec, Task<LocalModel> load)
    {
        Spec = spec;
        _load = load;
    }

    /// <summary>What is being loaded.</summary>
    public LocalModelSpec Spec { get; }

    /// <summary>Starts loading <paramref name="spec"/> on the thread pool.</summary>
    public static ModelPreload Start(LocalModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new ModelPreload(spec, Task.Run(() => LocalModel.Load(spec)));
    }

    /// <summary>
    /// The preloaded model when <paramref name="spec"/> asks for the same thing (waiting for the load
    /// to finish, and throwing what it threw), otherwise null. Once only: the caller owns what it gets.
    /// </summary>
    public LocalModel? Take(LocalModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Matches(spec) || Interlocked.Exchange(ref _taken, 1) != 0)
            return null;
        return _load.GetAwaiter().GetResult();
    }

    private bool Matches(LocalModelSpec spec) =>
        string.Equals(Path.GetFullPath(spec.ModelPath), Path.GetFullPath(Spec.ModelPath), StringComparison.Ordinal)
        && string.Equals(spec.Quantize, Spec.Quantize, StringComparison.OrdinalIgnoreCase)
        && spec.DoubleQuant == Spec.DoubleQuant
        && spec.AdapterPath == Spec.AdapterPath;

    /// <summary>Frees the model if nobody took it (once its load has finished).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _taken, 1) != 0)
            return;
        _ = _load.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
                t.Result.Dispose();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
