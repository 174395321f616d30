using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShawBot.Sandbox.YouTube;

/// <summary>
/// One line of a seed file: {"videoId","videoTitle","author","text"}; videoId and videoTitle are optional, and so
/// are "videoDescription" (served by videos.list) and "moderationStatus" (heldForReview, likelySpam: served on the comment).
/// </summary>
public sealed record SeedComment(
    [property: JsonPropertyName("videoId")] string? VideoId,
    [property: JsonPropertyName("videoTitle")] string? VideoTitle,
    [property: JsonPropertyName("author")] string Author,
    [property: JsonPropertyName("text")] string Text)
{
    [JsonPropertyName("videoDescription")]
    public string? VideoDescription { get; init; }

    [JsonPropertyName("moderationStatus")]
    public string? ModerationStatus { get; init; }

    /// <summary>Reads a JSONL seed file; blank lines are skipped, a bad line throws with its number.</summary>
    public static IReadOnlyList<SeedComment> ReadJsonl(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var seeds = new List<SeedComment>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            SeedComment? seed;
            try
            {
                seed = JsonSerializer.Deserialize<SeedComment>(line);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"seed line {number}: {ex.Message}", ex);
            }

            if (seed is null || seed.Author is null || seed.Text is null)
            {
                throw new FormatException($"seed line {number}: \"author\" and \"text\" are required");
            }

            seeds.Add(seed);
        }

        return seeds;
    }

    public static IReadOnlyList<SeedComment> ReadJsonlFile(string path)
    {
        using var reader = File.OpenText(path);
        return ReadJsonl(reader);
    }
}

/// <summary>A comment as the sandbox holds it (top-level or reply).</summary>
public sealed record SandboxComment(
    string Id,
    string ThreadId,
    string VideoId,
    string AuthorChannelId,
    string AuthorDisplayName,
    string Text,
    DateTimeOffset PublishedAt,
    bool IsReply,
    string? ModerationStatus = null)
{
    /// <summary>The channel whose video the thread is on (its commentThreads.list serves it).</summary>
    public string ChannelId { get; init; } = "";

    /// <summary>A reply posted through comments.insert: the bearer token it carried (null: none). Null for seeded comments.</summary>
    public string? PostedWith { get; init; }
}

/// <summary>A channel the sandbox serves: its owner, and the access token that posts as it (null: requests without a credential post as the first channel).</summary>
public sealed record SandboxChannel(string ChannelId, string OwnerName, string? AccessToken = null);

internal sealed class SandboxThread
{
    public required long Sequence { get; init; }

    public required string ChannelId { get; init; }

    public required SandboxComment TopLevel { get; init; }

    public List<SandboxComment> Replies { get; } = [];
}

internal sealed record SandboxVideo(string Id, string Title)
{
    /// <summary>The channel the video is on.</summary>
    public string ChannelId { get; init; } = "";

    public string? Description { get; set; }

    public bool CommentsDisabled { get; set; }
}

/// <summary>The in-memory channels: videos, threads, replies. All members lock on the instance.</summary>
internal sealed class SandboxData
{
    private readonly List<SandboxThread> _threads = [];
    private readonly Dictionary<string, SandboxThread> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SandboxVideo> _videos = new(StringComparer.Ordinal);
    private readonly List<SandboxChannel> _channels = [];
    private readonly Dictionary<string, (List<SandboxVideo> Videos, int Next)> _defaultVideos = new(StringComparer.Ordinal);
    private readonly int _defaultVideoCount;
    private readonly TimeProvider _time;
    private long _sequence;
    private DateTimeOffset _lastPublished = DateTimeOffset.MinValue;

    public SandboxData(string channelId, string ownerName, int defaultVideos, TimeProvider time, string? accessToken = null)
    {
        _time = time;
        _defaultVideoCount = defaultVideos;
        ChannelId = channelId;
        OwnerName = ownerName;
        AddChannel(new SandboxChannel(channelId, ownerName, accessToken));
    }

    /// <summary>The first channel: requests without a credential act as it.</summary>
    public string ChannelId { get; }

    public string OwnerName { get; }

    public IReadOnlyList<SandboxChannel> Channels
    {
        get
        {
            lock (this)
            {
                return [.. _channels];
            }
        }
    }

    /// <summary>Adds a channel with its own default videos (the first channel's are vid00000001…, the n-th's vid{n}x000001…).</summary>
    public void AddChannel(SandboxChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        lock (this)
        {
            if (_channels.Any(c => c.ChannelId == channel.ChannelId || (channel.AccessToken is not null && c.AccessToken == channel.AccessToken)))
            {
                throw new ArgumentException($"the sandbox already has channel {channel.ChannelId} or its access token", nameof(channel));
            }

            _channels.Add(channel);
            var videos = new List<SandboxVideo>();
            for (var i = 1; i <= _defaultVideoCount; i++)
            {
                var id = _channels.Count == 1 ? $"vid{i:D8}" : $"vid{_channels.Count}x{i:D6}";
                var video = new SandboxVideo(id, _channels.Count == 1 ? $"Sandbox video {i}" : $"{channel.OwnerName} video {i}") { ChannelId = channel.ChannelId };
                _videos[id] = video;
                videos.Add(video);
            }

            _defaultVideos[channel.ChannelId] = (videos, 0);
        }
    }

    /// <summary>The channel a request acts as: the one whose access token it carries, the first channel when it carries none; null for an unknown token.</summary>
    public SandboxChannel? ChannelFor(string? accessToken)
    {
        lock (this)
        {
            return accessToken is null ? _channels[0] : _channels.FirstOrDefault(c => c.AccessToken == accessToken);
        }
    }

    public SandboxChannel? Channel(string channelId)
    {
        lock (this)
        {
            return _channels.FirstOrDefault(c => c.ChannelId == channelId);
        }
    }

    /// <param name="channelId">The channel whose video gets the comment; null: the first channel (or the seed's video's channel).</param>
    public SandboxComment AddTopLevel(SeedComment seed, string? authorChannelId = null, string? commentId = null, string? channelId = null)
    {
        lock (this)
        {
            if (commentId is not null && _byId.ContainsKey(commentId))
            {
                throw new ArgumentException($"comment {commentId} exists", nameof(commentId));
            }

            var video = ResolveVideo(seed, channelId ?? ChannelId);
            var id = commentId ?? NewId("Ugz");
            var comment = new SandboxComment(
                id, id, video.Id, authorChannelId ?? AuthorChannel(seed.Author), seed.Author, seed.Text, NextTimestamp(), IsReply: false, seed.ModerationStatus)
            {
                ChannelId = video.ChannelId,
            };
            var thread = new SandboxThread { Sequence = ++_sequence, TopLevel = comment, ChannelId = video.ChannelId };
            _threads.Add(thread);
            _byId[id] = thread;
            return comment;
        }
    }

    /// <summary>Adds a reply; null when the thread does not exist.</summary>
    /// <param name="postedWith">The bearer token of the comments.insert that posted it; null for a reply added by hand.</param>
    public SandboxComment? AddReply(string threadId, string authorChannelId, string authorName, string text, string? postedWith = null)
    {
        lock (this)
        {
            if (!_byId.TryGetValue(threadId, out var thread))
            {
                return null;
            }

            var reply = new SandboxComment(
                $"{threadId}.{NewId("")[..22]}", threadId, thread.TopLevel.VideoId, authorChannelId, authorName, text, NextTimestamp(), IsReply: true)
            {
                ChannelId = thread.ChannelId,
                PostedWith = postedWith,
            };
            thread.Replies.Add(reply);
            return reply;
        }
    }

    public SandboxVideo? Video(string videoId)
    {
        lock (this)
        {
            return _videos.GetValueOrDefault(videoId);
        }
    }

    public IReadOnlyList<SandboxVideo> Videos()
    {
        lock (this)
        {
            return [.. _videos.Values];
        }
    }

    public SandboxThread? Thread(string threadId)
    {
        lock (this)
        {
            return _byId.GetValueOrDefault(threadId);
        }
    }

    /// <summary>Threads newest first with sequence below <paramref name="before"/>, plus the total that match.</summary>
    public (IReadOnlyList<(SandboxThread Thread, IReadOnlyList<SandboxComment> Replies)> Page, int Total) PageThreads(
        Func<SandboxThread, bool> filter, long before, int take)
    {
        lock (this)
        {
            var matching = _threads.Where(filter).ToList();
            var page = matching
                .Where(t => t.Sequence < before)
                .OrderByDescending(t => t.Sequence)
                .Take(take)
                .Select(t => (t, (IReadOnlyList<SandboxComment>)[.. t.Replies]))
                .ToList();
            return (page, matching.Count);
        }
    }

    public IReadOnlyList<SandboxComment> RepliesBy(string authorChannelId)
    {
        lock (this)
        {
            return [.. _threads.SelectMany(t => t.Replies).Where(r => r.AuthorChannelId == authorChannelId).OrderBy(r => r.PublishedAt)];
        }
    }

    /// <summary>Every reply whose author is one of the sandbox's channels, oldest first.</summary>
    public IReadOnlyList<SandboxComment> RepliesByChannels()
    {
        lock (this)
        {
            var owners = _channels.Select(c => c.ChannelId).ToHashSet(StringComparer.Ordinal);
            return [.. _threads.SelectMany(t => t.Replies).Where(r => owners.Contains(r.AuthorChannelId)).OrderBy(r => r.PublishedAt)];
        }
    }

    public int ThreadCount
    {
        get
        {
            lock (this)
            {
                return _threads.Count;
            }
        }
    }

    private SandboxVideo ResolveVideo(SeedComment seed, string channelId)
    {
        if (seed.VideoId is { Length: > 0 } videoId)
        {
            if (!_videos.TryGetValue(videoId, out var known))
            {
                known = new SandboxVideo(videoId, seed.VideoTitle ?? $"Video {videoId}") { ChannelId = channelId };
                _videos[videoId] = known;
            }

            known.Description ??= seed.VideoDescription;

            return known;
        }

        // No video named: spread over the channel's default videos in turn.
        if (!_defaultVideos.TryGetValue(channelId, out var defaults))
        {
            throw new ArgumentException($"the sandbox has no channel {channelId}", nameof(channelId));
        }

        if (defaults.Videos.Count == 0)
        {
            var fallback = new SandboxVideo(channelId == ChannelId ? "vid00000001" : $"vid{channelId}", "Sandbox video 1") { ChannelId = channelId };
            _videos[fallback.Id] = fallback;
            defaults.Videos.Add(fallback);
        }

        var video = defaults.Videos[defaults.Next % defaults.Videos.Count];
        _defaultVideos[channelId] = (defaults.Videos, defaults.Next + 1);
        return video;
    }

    /// <summary>Strictly increasing, so newest-first order is total even when the clock does not move.</summary>
    private DateTimeOffset NextTimestamp()
    {
        var now = _time.GetUtcNow();
        now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        if (now <= _lastPublished)
        {
            now = _lastPublished.AddMilliseconds(1);
        }

        _lastPublished = now;
        return now;
    }

    private static string AuthorChannel(string author) =>
        "UC" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(author)))[..22];

    private static string NewId(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    internal static string Rfc3339(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
