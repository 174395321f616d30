using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Options;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// A background loop that survives its iterations: each one is wrapped, a failure is logged and
/// followed by exponential backoff (reset by the next success), and only cancellation ends the loop.
/// </summary>
public abstract partial class PipelineLoop : BackgroundService
{
    private readonly IOptionsMonitor<LoopBackoffOptions> _backoff;

    protected PipelineLoop(TimeProvider time, IOptionsMonitor<LoopBackoffOptions> backoff, ILogger logger)
    {
        Time = time;
        _backoff = backoff;
        Logger = logger;
    }

    protected TimeProvider Time { get; }

    protected ILogger Logger { get; }

    /// <summary>Completed iterations, failed ones included (for tests and health).</summary>
    public long Iterations => Interlocked.Read(ref _iterations);

    private long _iterations;

    /// <summary>One unit of work; public so tests can drive the stage without the host.</summary>
    public abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>Runs once when the loop starts (restart recovery).</summary>
    protected virtual Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Waits until the next iteration is due.</summary>
    protected abstract Task WaitForWorkAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var name = GetType().Name;
        var failures = 0;
        var started = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!started)
                {
                    await StartingAsync(stoppingToken).ConfigureAwait(false);
                    started = true;
                }

                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                failures = 0;
                Interlocked.Increment(ref _iterations);
                await WaitForWorkAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _iterations);
                failures++;
                var delay = BackoffDelay(failures);
                LogIterationFailed(Logger, ex, name, failures, delay);
                try
                {
                    await Task.Delay(delay, Time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>initial · 2^(n−1), capped, with ±20% jitter so several loops do not retry in step.</summary>
    private TimeSpan BackoffDelay(int failures)
    {
        var options = _backoff.CurrentValue;
        var exponent = Math.Min(failures - 1, 30);
        var ticks = Math.Min(options.InitialBackoff.Ticks * Math.Pow(2, exponent), options.MaxBackoff.Ticks);
        var jitter = 0.8 + (0.4 * Random.Shared.NextDouble());
        return TimeSpan.FromTicks((long)(ticks * jitter));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Loop} iteration failed ({Failures} in a row); retrying in {Delay}")]
    private static partial void LogIterationFailed(ILogger logger, Exception exception, string loop, int failures, TimeSpan delay);
}
