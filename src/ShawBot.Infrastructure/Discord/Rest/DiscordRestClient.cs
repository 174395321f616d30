using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ShawBot.Infrastructure.Discord.Models;

namespace ShawBot.Infrastructure.Discord.Rest;

/// <summary>
/// Discord REST API v10 over <see cref="HttpClient"/>: typed routes, per-bucket and global rate
/// limits, 429 retries after retry_after, jittered backoff on 5xx. Payloads are validated against
/// Discord's length limits before anything is sent.
/// </summary>
public sealed class DiscordRestClient
{
    private readonly HttpClient _http;
    private readonly DiscordRestOptions _options;
    private readonly ILogger<DiscordRestClient> _logger;
    private readonly TimeProvider _time;
    private readonly RestRateLimiter _limiter;
    private readonly Uri _baseUrl;
    private readonly string _userAgent;

    public DiscordRestClient(HttpClient http, DiscordRestOptions options, ILogger<DiscordRestClient> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Token))
            throw new ArgumentException("A bot token is required.", nameof(options));
        _http = http;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _limiter = new RestRateLimiter(_time);
        string root = options.ApiBaseUrl.AbsoluteUri;
        _baseUrl = new Uri(root.EndsWith('/') ? root : root + "/");
        _userAgent = $"DiscordBot ({options.UserAgentUrl}, {options.UserAgentVersion})";
    }

    public Task<GatewayBotInfo> GetGatewayBotAsync(CancellationToken ct = default) =>
        SendAsync<GatewayBotInfo>(DiscordRoute.GetGatewayBot(), null, ct);

    public Task<DiscordApplication> GetCurrentApplicationAsync(CancellationToken ct = default) =>
        SendAsync<DiscordApplication>(DiscordRoute.GetCurrentApplication(), null, ct);

    public Task<DiscordMessage> CreateMessageAsync(ulong channelId, MessagePayload message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        return SendAsync<DiscordMessage>(DiscordRoute.CreateMessage(channelId), message, ct);
    }

    /// <summary>
    /// Posts a message with files (multipart/form-data: payload_json plus files[0…n]); the payload's
    /// attachments are filled in from the files, so an embed can show one as attachment://NAME.
    /// </summary>
    public Task<DiscordMessage> CreateMessageAsync(ulong channelId, MessagePayload message, IReadOnlyList<MessageFile> files, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0) return CreateMessageAsync(channelId, message, ct);
        DiscordLimits.CheckCount(files, DiscordLimits.FilesPerMessage, "files");
        for (int i = 0; i < files.Count; i++) files[i].Validate($"files[{i}]");
        message = message with { Attachments = [.. files.Select((f, i) => new MessageAttachment(i, f.FileName))] };
        message.Validate();
        return SendAsync<DiscordMessage>(DiscordRoute.CreateMessage(channelId), message, ct, files);
    }

    public Task<DiscordMessage> EditMessageAsync(ulong channelId, ulong messageId, MessagePayload message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        return SendAsync<DiscordMessage>(DiscordRoute.EditMessage(channelId, messageId), message, ct);
    }

    public Task<DiscordMessage> GetMessageAsync(ulong channelId, ulong messageId, CancellationToken ct = default) =>
        SendAsync<DiscordMessage>(DiscordRoute.GetMessage(channelId, messageId), null, ct);

    /// <summary>
    /// Up to <paramref name="limit"/> (1–100) messages posted after <paramref name="after"/>, oldest first
    /// (Discord answers newest first; the order is fixed here so callers can walk forward).
    /// </summary>
    public async Task<IReadOnlyList<DiscordMessage>> GetMessagesAfterAsync(ulong channelId, ulong after, int limit, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 100);
        var page = await SendAsync<IReadOnlyList<DiscordMessage>>(DiscordRoute.GetChannelMessages(channelId, after, limit), null, ct).ConfigureAwait(false);
        return [.. (page ?? []).OrderBy(m => m.Id)];
    }

    public Task<DiscordChannel> GetChannelAsync(ulong channelId, CancellationToken ct = default) =>
        SendAsync<DiscordChannel>(DiscordRoute.GetChannel(channelId), null, ct);

    /// <summary>POST /interactions/{id}/{token}/callback: must happen within 3 s of the interaction.</summary>
    public Task CreateInteractionResponseAsync(ulong interactionId, string token, InteractionResponse response, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentNullException.ThrowIfNull(response);
        response.Validate();
        return SendAsync<JsonElement?>(DiscordRoute.CreateInteractionResponse(interactionId, token), response, ct);
    }

    /// <summary>PATCH /webhooks/{application}/{token}/messages/@original (after a deferral, within 15 min).</summary>
    public Task<DiscordMessage> EditOriginalResponseAsync(ulong applicationId, string token, MessagePayload message, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        return SendAsync<DiscordMessage>(DiscordRoute.EditOriginalResponse(applicationId, token), message, ct);
    }

    public Task<DiscordMessage> CreateFollowupMessageAsync(ulong applicationId, string token, MessagePayload message, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        return SendAsync<DiscordMessage>(DiscordRoute.CreateFollowup(applicationId, token), message, ct);
    }

    public Task<IReadOnlyList<ApplicationCommand>> BulkOverwriteGuildCommandsAsync(ulong applicationId, ulong guildId, IReadOnlyList<ApplicationCommand> commands, CancellationToken ct = default)
    {
        ValidateCommands(commands);
        return SendAsync<IReadOnlyList<ApplicationCommand>>(DiscordRoute.BulkOverwriteGuildCommands(applicationId, guildId), commands, ct);
    }

    public Task<IReadOnlyList<ApplicationCommand>> BulkOverwriteGlobalCommandsAsync(ulong applicationId, IReadOnlyList<ApplicationCommand> commands, CancellationToken ct = default)
    {
        ValidateCommands(commands);
        return SendAsync<IReadOnlyList<ApplicationCommand>>(DiscordRoute.BulkOverwriteGlobalCommands(applicationId), commands, ct);
    }

    private static void ValidateCommands(IReadOnlyList<ApplicationCommand> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        for (int i = 0; i < commands.Count; i++)
            commands[i].Validate($"commands[{i}]");
    }

    /// <summary>
    /// Sends one request through its bucket. Loop: wait for the global limit and the bucket, send,
    /// then on 429 record the limit and go round again, on 5xx back off and go round again.
    /// </summary>
    public async Task<T> SendAsync<T>(DiscordRoute route, object? body, CancellationToken ct, IReadOnlyList<MessageFile>? files = null)
    {
        byte[]? json = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), DiscordJson.Options);
        int rateLimited = 0, serverErrors = 0;
        while (true)
        {
            var globalWait = await _limiter.WaitGlobalAsync(_options.RateLimitMargin, ct).ConfigureAwait(false);
            if (globalWait > TimeSpan.Zero)
                _logger.LogDebug("Waited {WaitMs} ms for the global rate limit before {Route}", (int)globalWait.TotalMilliseconds, route.RouteKey);
            var bucket = _limiter.GetBucket(route);
            var bucketWait = await bucket.EnterAsync(_options.RateLimitMargin, ct).ConfigureAwait(false);
            if (bucketWait > TimeSpan.Zero)
                _logger.LogDebug("Bucket {Bucket} exhausted: waited {WaitMs} ms before {Route}", bucket.Key, (int)bucketWait.TotalMilliseconds, route.RouteKey);

            HttpResponseMessage? response = null;
            string? text;
            try
            {
                using var request = BuildRequest(route, json, files);
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                }
                catch (HttpRequestException ex) when (serverErrors < _options.MaxServerErrorRetries)
                {
                    serverErrors++;
                    var delay = Backoff(serverErrors);
                    _logger.LogWarning(ex, "{Route} failed in transport; retry {Attempt} in {DelayMs} ms", route.RouteKey, serverErrors, (int)delay.TotalMilliseconds);
                    bucket.Exit();
                    await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                    continue;
                }
                _limiter.Update(route, bucket, response.Headers);
                text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                response?.Dispose();
                bucket.Exit();
                throw;
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var (retryAfter, global) = ReadRateLimit(response, text);
                    if (global)
                    {
                        _limiter.SetGlobal(retryAfter);
                    }
                    else
                    {
                        bucket.Exhaust(retryAfter);
                        // This response may have revealed the bucket hash: the shared bucket must wait too.
                        if (_limiter.GetBucket(route) is var shared && !ReferenceEquals(shared, bucket))
                            shared.Exhaust(retryAfter);
                    }
                    bucket.Exit();
                    if (++rateLimited > _options.MaxRateLimitRetries)
                        throw new DiscordRestException(route.RouteKey, response.StatusCode, null, text);
                    _logger.LogWarning("{Route} rate limited ({Scope}); retrying after {RetryAfterMs} ms",
                        route.RouteKey, global ? "global" : "route", (int)retryAfter.TotalMilliseconds);
                    continue;
                }

                bucket.Exit();
                if ((int)response.StatusCode >= 500 && serverErrors < _options.MaxServerErrorRetries)
                {
                    serverErrors++;
                    var delay = Backoff(serverErrors);
                    _logger.LogWarning("{Route} answered {Status}; retry {Attempt} in {DelayMs} ms",
                        route.RouteKey, (int)response.StatusCode, serverErrors, (int)delay.TotalMilliseconds);
                    await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    int? code = TryReadErrorCode(text);
                    _logger.LogWarning("{Route} failed with {Status} (code {Code})", route.RouteKey, (int)response.StatusCode, code);
                    throw new DiscordRestException(route.RouteKey, response.StatusCode, code, text);
                }

                _logger.LogDebug("{Route} answered {Status}", route.RouteKey, (int)response.StatusCode);
                if (string.IsNullOrEmpty(text) || response.StatusCode == HttpStatusCode.NoContent)
                    return default!;
                return JsonSerializer.Deserialize<T>(text, DiscordJson.Options)!;
            }
        }
    }

    private HttpRequestMessage BuildRequest(DiscordRoute route, byte[]? json, IReadOnlyList<MessageFile>? files)
    {
        var request = new HttpRequestMessage(route.Method, new Uri(_baseUrl, route.Path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bot", _options.Token);
        request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (files is { Count: > 0 })
        {
            // Built afresh for every attempt: content is consumed by sending.
            var form = new MultipartFormDataContent();
            var payload = new ByteArrayContent(json ?? "{}"u8.ToArray());
            payload.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = Encoding.UTF8.WebName };
            form.Add(payload, "payload_json");
            for (int i = 0; i < files.Count; i++)
            {
                var part = new ByteArrayContent(files[i].Content);
                part.Headers.ContentType = new MediaTypeHeaderValue(files[i].ContentType);
                form.Add(part, $"files[{i}]", files[i].FileName);
            }
            request.Content = form;
        }
        else if (json is not null)
        {
            request.Content = new ByteArrayContent(json);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = Encoding.UTF8.WebName };
        }
        return request;
    }

    /// <summary>Exponential backoff with ±50 % jitter so retries from several callers spread out.</summary>
    private TimeSpan Backoff(int attempt)
    {
        double baseMs = _options.ServerErrorBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        return TimeSpan.FromMilliseconds(baseMs * (0.5 + Random.Shared.NextDouble()));
    }

    /// <summary>retry_after from the JSON body, else the Retry-After header; global from the body or the headers.</summary>
    internal static (TimeSpan RetryAfter, bool Global) ReadRateLimit(HttpResponseMessage response, string? body)
    {
        double seconds = 0;
        bool global = false;
        if (!string.IsNullOrEmpty(body))
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (doc.RootElement.TryGetProperty("retry_after", out var ra) && ra.ValueKind == JsonValueKind.Number)
                        seconds = ra.GetDouble();
                    if (doc.RootElement.TryGetProperty("global", out var g) && g.ValueKind == JsonValueKind.True)
                        global = true;
                }
            }
            catch (JsonException)
            {
                // A proxy (Cloudflare) can answer 429 with HTML; the headers still tell us when to retry.
            }
        }
        // The body's retry_after is precise (fractional); the header is whole seconds, so it is the fallback.
        if (seconds <= 0 && RestRateLimiter.TryGetSeconds(response.Headers, "Retry-After") is { } header)
            seconds = header.TotalSeconds;
        if (string.Equals(RestRateLimiter.TryGetString(response.Headers, "X-RateLimit-Global"), "true", StringComparison.OrdinalIgnoreCase)
            || string.Equals(RestRateLimiter.TryGetString(response.Headers, "X-RateLimit-Scope"), "global", StringComparison.OrdinalIgnoreCase))
            global = true;
        if (seconds <= 0)
            seconds = 1; // a 429 without any hint: wait a second rather than hammer
        return (TimeSpan.FromSeconds(seconds), global);
    }

    private static int? TryReadErrorCode(string? body)
    {
        if (string.IsNullOrEmpty(body))
            return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("code", out var c) && c.TryGetInt32(out int code) ? code : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

}
