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
    string? ModerationStatus = null);

internal sealed class SandboxThread
{
    public required long Sequence { get; init; }

    public required SandboxComment TopLevel { get; init; }

    public List<SandboxComment> Replies { get; } = [];
}

internal sealed record SandboxVideo(string Id, string Title)
{
    public string? Description { get; set; }

    public bool CommentsDisabled { get; set; }
}

/// <summary>The in-memory channel: videos, threads, replies. All members lock on the instance.</summary>
internal sealed class SandboxData
{
    private readonly List<SandboxThread> _threads = [];
    private readonly Dictionary<string, SandboxThread> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SandboxVideo> _videos = new(StringComparer.Ordinal);
    private readonly List<SandboxVideo> _defaultVideos = [];
    private readonly TimeProvider _time;
    private long _sequence;
    private DateTimeOffset _lastPublished = DateTimeOffset.MinValue;
    private int _seedIndex;

    public SandboxData(string channelId, string ownerName, int defaultVideos, TimeProvider time)
    {
        ChannelId = channelId;
        OwnerName = ownerName;
        _time = time;
        for (var i = 1; i <= defaultVideos; i++)
        {
            var id = $"vid{i:D8}";
            var video = new SandboxVideo(id, $"Sandbox video {i}");
            _videos[id] = video;
            _defaultVideos.Add(video);
        }
    }

    public string ChannelId { get; }

    public string OwnerName { get; }

    public SandboxComment AddTopLevel(SeedComment seed, string? authorChannelId = null, string? commentId = null)
    {
        lock (this)
        {
            if (commentId is not null && _byId.ContainsKey(commentId))
            {
                throw new ArgumentException($"comment {commentId} exists", nameof(commentId));
            }

            var video = ResolveVideo(seed);
            var id = commentId ?? NewId("Ugz");
            var comment = new SandboxComment(
                id, id, video.Id, authorChannelId ?? AuthorChannel(seed.Author), seed.Author, seed.Text, NextTimestamp(), IsReply: false, seed.ModerationStatus);
            var thread = new SandboxThread { Sequence = ++_sequence, TopLevel = comment };
            _threads.Add(thread);
            _byId[id] = thread;
            return comment;
        }
    }

    /// <summary>Adds a reply; null when the thread does not exist.</summary>
    public SandboxComment? AddReply(string threadId, string authorChannelId, string authorName, string text)
    {
        lock (this)
        {
            if (!_byId.TryGetValue(threadId, out var thread))
            {
                return null;
            }

            var reply = new SandboxComment(
                $"{threadId}.{NewId("")[..22]}", threadId, thread.TopLevel.VideoId, authorChannelId, authorName, text, NextTimestamp(), IsReply: true);
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

    private SandboxVideo ResolveVideo(SeedComment seed)
    {
        if (seed.VideoId is { Length: > 0 } videoId)
        {
            if (!_videos.TryGetValue(videoId, out var known))
            {
                known = new SandboxVideo(videoId, seed.VideoTitle ?? $"Video {videoId}");
                _videos[videoId] = known;
            }

            known.Description ??= seed.VideoDescription;

            return known;
        }

        // No video named: spread over the default videos in turn.
        if (_defaultVideos.Count == 0)
        {
            var fallback = new SandboxVideo("vid00000001", "Sandbox video 1");
            _videos[fallback.Id] = fallback;
            _defaultVideos.Add(fallback);
        }

        return _defaultVideos[_seedIndex++ % _defaultVideos.Count];
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
