using Google.Apis.Requests;
using Google.Apis.Services;
using Google.Apis.Util;
using Newtonsoft.Json;

namespace ShawBot.Infrastructure.YouTube.Api;

/// <summary>videos.* requests.</summary>
public sealed class VideosResource
{
    private readonly IClientService _service;

    public VideosResource(IClientService service) => _service = service;

    /// <summary>videos.list; <paramref name="part"/> e.g. "snippet".</summary>
    public ListRequest List(Repeatable<string> part) => new(_service, part);

    /// <summary>GET youtube/v3/videos (quota: 1 unit for up to 50 ids).</summary>
    public sealed class ListRequest : YouTubeListRequest<VideoListResponse>
    {
        public ListRequest(IClientService service, Repeatable<string> part)
            : base(service, part) => InitParameters();

        /// <summary>Comma-separated video ids, at most 50.</summary>
        [RequestParameter("id", RequestParameterType.Query)]
        public string? Id { get; set; }

        [RequestParameter("maxResults", RequestParameterType.Query)]
        public long? MaxResults { get; set; }

        public override string RestPath => "youtube/v3/videos";

        protected override void InitParameters()
        {
            base.InitParameters();
            AddQuery("id");
            AddQuery("maxResults");
        }
    }
}

public sealed class VideoListResponse : IDirectResponseSchema
{
    [JsonProperty("kind")] public string? Kind { get; set; }

    [JsonProperty("etag")] public string? ETag { get; set; }

    [JsonProperty("items")] public IList<Video>? Items { get; set; }
}

public sealed class Video
{
    [JsonProperty("id")] public string? Id { get; set; }

    [JsonProperty("snippet")] public VideoSnippet? Snippet { get; set; }
}

public sealed class VideoSnippet
{
    [JsonProperty("title")] public string? Title { get; set; }

    [JsonProperty("description")] public string? Description { get; set; }

    [JsonProperty("channelId")] public string? ChannelId { get; set; }
}
