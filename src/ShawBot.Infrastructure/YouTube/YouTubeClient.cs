using Google.Apis.Http;
using Google.Apis.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.YouTube.Api;

namespace ShawBot.Infrastructure.YouTube;

/// <summary>
/// Owns the <see cref="YouTubeService"/> and runs every call through one resilience pipeline: errors are
/// classified (<see cref="YouTubeErrors"/>) and transient ones (5xx on reads, 429, network errors on reads)
/// are retried with jittered exponential backoff. Writes are never retried after an unknown outcome:
/// the publisher checks the thread first.
/// </summary>
public sealed partial class YouTubeClient : IDisposable
{
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger<YouTubeClient> _logger;

    public YouTubeClient(IOptions<YouTubeOptions> options, ILogger<YouTubeClient> logger, IConfigurableHttpClientInitializer? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _logger = logger;
        Service = new YouTubeService(new BaseClientService.Initializer
        {
            ApplicationName = o.ApplicationName,
            BaseUri = o.BaseUri,
            HttpClientInitializer = credential,
            GZipEnabled = false,
            // Retries are ours (Polly below), so that writes are not repeated blindly.
            DefaultExponentialBackOffPolicy = Google.Apis.Http.ExponentialBackOffPolicy.None,
        });
        Service.HttpClient.Timeout = o.RequestTimeout;
        PageSize = o.PageSize;

        var builder = new ResiliencePipelineBuilder();
        if (o.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ExternalServiceException>(e => e.Kind == ExternalErrorKind.Transient),
                MaxRetryAttempts = o.MaxRetries,
                Delay = o.RetryBaseDelay,
                MaxDelay = TimeSpan.FromMinutes(1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception as ExternalServiceException;
                    LogRetry(_logger, error?.Reason ?? "unknown", error?.StatusCode, args.AttemptNumber + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.Build();
    }

    public YouTubeService Service { get; }

    public int PageSize { get; }

    /// <summary>Runs <paramref name="call"/> with classification and retries; throws <see cref="ExternalServiceException"/>.</summary>
    public Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, bool isWrite, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(
            static async (state, token) =>
            {
                try
                {
                    return await state.call(token).ConfigureAwait(false);
                }
                catch (Exception ex) when (YouTubeErrors.Classify(ex, state.isWrite, token) is { } mapped && !ReferenceEquals(mapped, ex))
                {
                    throw mapped;
                }
            },
            (call, isWrite),
            cancellationToken).AsTask();

    public void Dispose() => Service.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "YouTube call failed with {Reason} ({Status}); retry {Attempt} in {Delay}")]
    private static partial void LogRetry(ILogger logger, string reason, int? status, int attempt, TimeSpan delay);
}
