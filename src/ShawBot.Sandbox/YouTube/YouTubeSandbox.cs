using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShawBot.Sandbox.Hosting;

namespace ShawBot.Sandbox.YouTube;

/// <summary>Settings for <see cref="YouTubeSandbox"/>.</summary>
public sealed record YouTubeSandboxOptions
{
    /// <summary>0 picks a free port; the actual one is in <see cref="YouTubeSandbox.BaseUri"/>.</summary>
    public int Port { get; init; }

    public string ChannelId { get; init; } = "UCshawbotSandboxChannel0";

    public string OwnerName { get; init; } = "Shaw Talebi";

    /// <summary>
    /// The bearer token that acts as <see cref="ChannelId"/>; null: a request without a credential acts as it (a
    /// client with Auth=none). Further channels come with <see cref="YouTubeSandbox.AddChannel"/>.
    /// </summary>
    public string? AccessToken { get; init; }

    /// <summary>Videos that seed comments without a videoId are spread over.</summary>
    public int DefaultVideoCount { get; init; } = 5;

    /// <summary>Quota units per day before 403 quotaExceeded; null for no limit.</summary>
    public int? DailyQuota { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where Kestrel's own logs go; null for none.</summary>
    public ILoggerProvider? LoggerProvider { get; init; }
}

/// <summary>
/// A loopback stand-in for the YouTube Data API v3 (commentThreads.list, comments.list, comments.insert)
/// with the real JSON shapes, paging and error bodies, plus an admin API under /admin. It serves one channel, or
/// several (<see cref="AddChannel"/>): each has its own videos and threads, and comments.insert posts as the
/// channel whose access token the request carries (Authorization: Bearer), recording that token on the reply.
/// </summary>
public sealed partial class YouTubeSandbox : IAsyncDisposable
{
    private readonly YouTubeSandboxOptions _options;
    private readonly List<(SandboxFault Fault, int Remaining)> _faults = [];
    private WebApplication? _app;
    private int? _dailyQuota;
    private int _quotaUsed;
    private long _requests;

    public YouTubeSandbox(YouTubeSandboxOptions? options = null)
    {
        _options = options ?? new YouTubeSandboxOptions();
        _dailyQuota = _options.DailyQuota;
        Data = new SandboxData(_options.ChannelId, _options.OwnerName, _options.DefaultVideoCount, _options.Time, _options.AccessToken);
    }

    /// <summary>Root URI to give the client as BaseClientService.Initializer.BaseUri ("http://127.0.0.1:port/").</summary>
    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    public string ChannelId => _options.ChannelId;

    public string OwnerName => _options.OwnerName;

    /// <summary>Quota units spent by successful and failed API calls (as YouTube counts them).</summary>
    public int QuotaUsed => Volatile.Read(ref _quotaUsed);

    /// <summary>API requests received (admin calls excluded).</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    public int ThreadCount => Data.ThreadCount;

    internal SandboxData Data { get; }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The sandbox is already started.");
        }

        var builder = SandboxHost.CreateBuilder(typeof(YouTubeSandbox).Assembly.GetName().Name!);
        builder.Logging.ClearProviders();
        if (_options.LoggerProvider is { } provider)
        {
            builder.Logging.AddProvider(provider);
        }

        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, _options.Port));
        var app = builder.Build();
        MapApi(app);
        MapAdmin(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseUri = new Uri(address.TrimEnd('/') + "/");
        _app = app;
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>The channels served, the first one (<see cref="ChannelId"/>) first.</summary>
    public IReadOnlyList<SandboxChannel> Channels => Data.Channels;

    /// <summary>Serves one more channel, with its own default videos; requests carrying its access token act as it.</summary>
    public void AddChannel(SandboxChannel channel) => Data.AddChannel(channel);

    /// <summary>Adds one top-level comment now, on a video of <paramref name="channelId"/> (null: the first channel).</summary>
    public SandboxComment AddComment(SeedComment seed, string? authorChannelId = null, string? channelId = null)
    {
        ArgumentNullException.ThrowIfNull(seed);
        return Data.AddTopLevel(seed, authorChannelId, channelId: channelId);
    }

    /// <summary>
    /// Adds a top-level comment under a known id (a demo that resumes rebuilds the sandbox from its store,
    /// so threads keep the ids the store has). Throws when the id exists.
    /// </summary>
    public SandboxComment RestoreComment(string commentId, SeedComment seed, string authorChannelId)
    {
        ArgumentException.ThrowIfNullOrEmpty(commentId);
        ArgumentNullException.ThrowIfNull(seed);
        return Data.AddTopLevel(seed, authorChannelId, commentId);
    }

    /// <summary>Adds all seeds now, in order (the last is the newest), on <paramref name="channelId"/>'s videos (null: the first channel).</summary>
    public IReadOnlyList<SandboxComment> Seed(IEnumerable<SeedComment> seeds, string? channelId = null) => [.. seeds.Select(s => AddComment(s, channelId: channelId))];

    /// <summary>Adds the seeds one at a time, <paramref name="interval"/> apart, as if viewers were commenting.</summary>
    public async Task TrickleAsync(IEnumerable<SeedComment> seeds, TimeSpan interval, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var first = true;
        foreach (var seed in seeds)
        {
            if (!first)
            {
                await Task.Delay(interval, _options.Time, cancellationToken).ConfigureAwait(false);
            }

            first = false;
            AddComment(seed);
        }
    }

    /// <summary>Posts a reply as the owner of the thread's channel directly (as if the creator answered by hand).</summary>
    public SandboxComment? AddOwnerReply(string threadId, string text)
    {
        var owner = Data.Thread(threadId) is { } thread ? Data.Channel(thread.ChannelId) : null;
        return owner is null ? null : Data.AddReply(threadId, owner.ChannelId, owner.OwnerName, text);
    }

    /// <summary>Every reply the first channel's owner has on any thread, oldest first.</summary>
    public IReadOnlyList<SandboxComment> OwnerReplies() => Data.RepliesBy(ChannelId);

    /// <summary>
    /// Every reply posted by any of the sandbox's channels, oldest first: <see cref="SandboxComment.AuthorChannelId"/> is
    /// the channel it was posted as, <see cref="SandboxComment.ChannelId"/> the channel of the thread, and
    /// <see cref="SandboxComment.PostedWith"/> the access token the insert carried.
    /// </summary>
    public IReadOnlyList<SandboxComment> ChannelReplies() => Data.RepliesByChannels();

    public void SetCommentsDisabled(string videoId, bool disabled)
    {
        var video = Data.Video(videoId) ?? throw new ArgumentException($"no video {videoId}", nameof(videoId));
        lock (Data)
        {
            video.CommentsDisabled = disabled;
        }
    }

    public IReadOnlyList<string> VideoIds() => [.. Data.Videos().Select(v => v.Id)];

    /// <summary>The title videos.list serves for the video; null when the sandbox has no such video.</summary>
    public string? VideoTitle(string videoId) => Data.Video(videoId)?.Title;

    public void InjectFault(SandboxFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_faults)
        {
            _faults.Add((fault, fault.Count));
        }
    }

    public void ClearFaults()
    {
        lock (_faults)
        {
            _faults.Clear();
        }
    }

    public IReadOnlyList<SandboxFault> ActiveFaults()
    {
        lock (_faults)
        {
            return [.. _faults.Select(f => f.Fault with { Count = f.Remaining })];
        }
    }

    /// <summary>Takes the first fault that applies to <paramref name="target"/>, counting it down.</summary>
    private SandboxFault? NextFault(FaultTarget target)
    {
        lock (_faults)
        {
            for (var i = 0; i < _faults.Count; i++)
            {
                var (fault, remaining) = _faults[i];
                if (fault.Target != FaultTarget.Any && fault.Target != target)
                {
                    continue;
                }

                if (remaining > 0)
                {
                    remaining--;
                    if (remaining == 0)
                    {
                        _faults.RemoveAt(i);
                    }
                    else
                    {
                        _faults[i] = (fault, remaining);
                    }
                }

                return fault;
            }

            return null;
        }
    }

    /// <summary>Charges quota as YouTube does; false when the daily quota is spent.</summary>
    private bool TryChargeQuota(int units)
    {
        lock (_faults)
        {
            if (_dailyQuota is { } limit && _quotaUsed + units > limit)
            {
                return false;
            }

            _quotaUsed += units;
            return true;
        }
    }

    /// <summary>Changes the daily quota; null for no limit.</summary>
    public void SetDailyQuota(int? units)
    {
        lock (_faults)
        {
            _dailyQuota = units;
        }
    }

    /// <summary>Resets the quota counter (the sandbox's "midnight Pacific").</summary>
    public void ResetQuota()
    {
        lock (_faults)
        {
            _quotaUsed = 0;
        }
    }
}
