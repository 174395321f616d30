using Google.Apis.Services;
using Google.Apis.Util;

namespace ShawBot.Infrastructure.YouTube.Api;

/// <summary>commentThreads.* requests.</summary>
public sealed class CommentThreadsResource
{
    private readonly IClientService _service;

    public CommentThreadsResource(IClientService service) => _service = service;

    /// <summary>commentThreads.list; <paramref name="part"/> e.g. "snippet,replies".</summary>
    public ListRequest List(Repeatable<string> part) => new(_service, part);

    /// <summary>GET youtube/v3/commentThreads (quota: 1 unit).</summary>
    public sealed class ListRequest : YouTubeBaseServiceRequest<CommentThreadListResponse>
    {
        public ListRequest(IClientService service, Repeatable<string> part)
            : base(service)
        {
            Part = part;
            InitParameters();
        }

        [RequestParameter("part", RequestParameterType.Query)]
        public Repeatable<string> Part { get; private set; }

        [RequestParameter("allThreadsRelatedToChannelId", RequestParameterType.Query)]
        public string? AllThreadsRelatedToChannelId { get; set; }

        [RequestParameter("videoId", RequestParameterType.Query)]
        public string? VideoId { get; set; }

        /// <summary>1–100; the API's default is 20.</summary>
        [RequestParameter("maxResults", RequestParameterType.Query)]
        public long? MaxResults { get; set; }

        [RequestParameter("order", RequestParameterType.Query)]
        public OrderEnum? Order { get; set; }

        [RequestParameter("pageToken", RequestParameterType.Query)]
        public string? PageToken { get; set; }

        [RequestParameter("textFormat", RequestParameterType.Query)]
        public TextFormatEnum? TextFormat { get; set; }

        public override string MethodName => "list";

        public override string HttpMethod => "GET";

        public override string RestPath => "youtube/v3/commentThreads";

        protected override void InitParameters()
        {
            base.InitParameters();
            AddQuery("part", required: true);
            AddQuery("allThreadsRelatedToChannelId");
            AddQuery("videoId");
            AddQuery("maxResults", "20");
            AddQuery("order", "time");
            AddQuery("pageToken");
            AddQuery("textFormat", "html");
        }

        public enum OrderEnum
        {
            [StringValue("time")]
            Time,
            [StringValue("relevance")]
            Relevance,
        }

        public enum TextFormatEnum
        {
            [StringValue("html")]
            Html,
            [StringValue("plainText")]
            PlainText,
        }
    }
}

/// <summary>comments.* requests.</summary>
public sealed class CommentsResource
{
    private readonly IClientService _service;

    public CommentsResource(IClientService service) => _service = service;

    /// <summary>comments.list (replies to <see cref="ListRequest.ParentId"/>).</summary>
    public ListRequest List(Repeatable<string> part) => new(_service, part);

    /// <summary>comments.insert: a reply to body.snippet.parentId with body.snippet.textOriginal.</summary>
    public InsertRequest Insert(Comment body, Repeatable<string> part) => new(_service, body, part);

    /// <summary>GET youtube/v3/comments (quota: 1 unit).</summary>
    public sealed class ListRequest : YouTubeBaseServiceRequest<CommentListResponse>
    {
        public ListRequest(IClientService service, Repeatable<string> part)
            : base(service)
        {
            Part = part;
            InitParameters();
        }

        [RequestParameter("part", RequestParameterType.Query)]
        public Repeatable<string> Part { get; private set; }

        [RequestParameter("parentId", RequestParameterType.Query)]
        public string? ParentId { get; set; }

        [RequestParameter("maxResults", RequestParameterType.Query)]
        public long? MaxResults { get; set; }

        [RequestParameter("pageToken", RequestParameterType.Query)]
        public string? PageToken { get; set; }

        [RequestParameter("textFormat", RequestParameterType.Query)]
        public CommentThreadsResource.ListRequest.TextFormatEnum? TextFormat { get; set; }

        public override string MethodName => "list";

        public override string HttpMethod => "GET";

        public override string RestPath => "youtube/v3/comments";

        protected override void InitParameters()
        {
            base.InitParameters();
            AddQuery("part", required: true);
            AddQuery("parentId");
            AddQuery("maxResults", "20");
            AddQuery("pageToken");
            AddQuery("textFormat", "html");
        }
    }

    /// <summary>POST youtube/v3/comments (quota: 50 units).</summary>
    public sealed class InsertRequest : YouTubeBaseServiceRequest<Comment>
    {
        public InsertRequest(IClientService service, Comment body, Repeatable<string> part)
            : base(service)
        {
            Body = body;
            Part = part;
            InitParameters();
        }

        [RequestParameter("part", RequestParameterType.Query)]
        public Repeatable<string> Part { get; private set; }

        public Comment Body { get; set; }

        public override string MethodName => "insert";

        public override string HttpMethod => "POST";

        public override string RestPath => "youtube/v3/comments";

        protected override object GetBody() => Body;

        protected override void InitParameters()
        {
            base.InitParameters();
            AddQuery("part", required: true);
        }
    }
}
