using Google.Apis.Discovery;
using Google.Apis.Requests;
using Google.Apis.Services;
using Google.Apis.Util;

namespace ShawBot.Infrastructure.YouTube.Api;

/// <summary>
/// The slice of the YouTube Data API v3 that ShawBot uses, on Google.Apis' <see cref="BaseClientService"/>
/// (the generated Google.Apis.YouTube.v3 package is not reachable). Initializer.BaseUri points it
/// at the sandbox; left unset it talks to the real API.
/// </summary>
public sealed class YouTubeService : BaseClientService
{
    public const string DefaultBaseUri = "https://youtube.googleapis.com/";

    /// <summary>OAuth scope that allows comments.insert.</summary>
    public const string ForceSslScope = "https://www.googleapis.com/auth/youtube.force-ssl";

    public YouTubeService(Initializer initializer)
        : base(initializer)
    {
        CommentThreads = new CommentThreadsResource(this);
        Comments = new CommentsResource(this);
        Videos = new VideosResource(this);
    }

    public CommentThreadsResource CommentThreads { get; }

    public CommentsResource Comments { get; }

    public VideosResource Videos { get; }

    public override string Name => "youtube";

    public override string BaseUri => BaseUriOverride ?? DefaultBaseUri;

    /// <summary>Empty: Google.Apis builds BaseUri + RestPath, so the version path lives in each RestPath (as in the generated code).</summary>
    public override string BasePath => "";

    public override string BatchUri => BaseUri + "batch";

    public override string BatchPath => "batch";

    public override IList<string> Features => [];
}

/// <summary>The standard query parameters every YouTube request accepts.</summary>
public abstract class YouTubeBaseServiceRequest<TResponse> : ClientServiceRequest<TResponse>
{
    protected YouTubeBaseServiceRequest(IClientService service)
        : base(service)
    {
    }

    /// <summary>API key (unused with OAuth).</summary>
    [RequestParameter("key", RequestParameterType.Query)]
    public string? Key { get; set; }

    /// <summary>Selector of the fields to include in the response.</summary>
    [RequestParameter("fields", RequestParameterType.Query)]
    public string? Fields { get; set; }

    [RequestParameter("quotaUser", RequestParameterType.Query)]
    public string? QuotaUser { get; set; }

    [RequestParameter("prettyPrint", RequestParameterType.Query)]
    public bool? PrettyPrint { get; set; }

    protected override void InitParameters()
    {
        base.InitParameters();
        AddQuery("key");
        AddQuery("fields");
        AddQuery("quotaUser");
        AddQuery("prettyPrint", "true");
    }

    /// <summary>Declares a query parameter; without the declaration the request refuses to send it.</summary>
    protected void AddQuery(string name, string? defaultValue = null, bool required = false) =>
        RequestParameters.Add(name, new Parameter { Name = name, IsRequired = required, ParameterType = "query", DefaultValue = defaultValue });
}

/// <summary>A GET request of a resource's list method, with the required part parameter (videos.list).</summary>
public abstract class YouTubeListRequest<TResponse> : YouTubeBaseServiceRequest<TResponse>
{
    protected YouTubeListRequest(IClientService service, Repeatable<string> part)
        : base(service) => Part = part;

    [RequestParameter("part", RequestParameterType.Query)]
    public Repeatable<string> Part { get; private set; }

    public override string MethodName => "list";

    public override string HttpMethod => "GET";

    protected override void InitParameters()
    {
        base.InitParameters();
        AddQuery("part", required: true);
    }
}
