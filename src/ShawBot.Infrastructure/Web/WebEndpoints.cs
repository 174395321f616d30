using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShawBot.Core.Domain;
using ShawBot.Core.Moderation;
using ShawBot.Core.Options;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Adapters;

namespace ShawBot.Infrastructure.Web;

/// <summary>Body of POST /api/drafts/{id}/decision.</summary>
public sealed record DecisionRequest(DecisionKind Kind, string? Text, string? Moderator);

/// <summary>Body of POST /api/retrain and /api/adapters/rollback.</summary>
public sealed record AdminRequest(string? Moderator);

/// <summary>GET /api/status.</summary>
public sealed record WebStatus(
    long Revision,
    IReadOnlyDictionary<CommentState, int> QueueSizes,
    string? ActiveAdapter,
    DateTimeOffset? LastRetrainAt,
    string? LastRetrainSummary,
    bool RetrainConfigured,
    bool RollbackConfigured,
    RetrainProgress? RetrainProgress,
    RetrainRequestInfo? LastRetrainRequest,
    QuotaStatus? Quota = null);

/// <summary>The YouTube quota: units spent on today's Pacific day, the budget, and the pause after quotaExceeded.</summary>
/// <param name="PausedUntil">When YouTube calls resume after a quotaExceeded (next Pacific midnight); null when not paused.</param>
public sealed record QuotaStatus(int SpentToday, int DailyBudget, DateTimeOffset? PausedUntil);

/// <summary>The page (embedded index.html, app.js, app.css) and its JSON API under /api.</summary>
public static partial class WebEndpoints
{
    private static readonly (string Path, string Resource, string ContentType)[] StaticFiles =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "app.css", "text/css; charset=utf-8"),
    ];

    /// <summary>Adds the access-token check (when a token is configured) and maps the page and the API.</summary>
    public static WebApplication UseShawBotWeb(this WebApplication app, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        if (options.AccessToken is { Length: > 0 } token)
        {
            app.Use((context, next) => WebAccessToken.InvokeAsync(context, token, next));
        }
        else
        {
            // Without a token the page trusts whoever can reach the loopback address; a Host check keeps a web
            // site that rebinds its own name to 127.0.0.1 (DNS rebinding) from reading or deciding drafts.
            app.Use(async (context, next) =>
            {
                if (!IsLocalHost(context.Request.Host.Host, options.Address))
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    await context.Response.WriteAsync("ShawBot: unexpected Host header; open the page by its IP address or localhost.\n", context.RequestAborted).ConfigureAwait(false);
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
        }

        app.Use(async (context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers["X-Frame-Options"] = "DENY";
            context.Response.Headers.CacheControl = "no-store";
            await next(context).ConfigureAwait(false);
        });

        foreach (var (path, resource, contentType) in StaticFiles)
        {
            var bytes = ReadResource(resource);
            app.MapGet(path, () => Results.Bytes(bytes, contentType));
        }

        MapApi(app.MapGroup("/api"));
        return app;
    }

    private static void MapApi(RouteGroupBuilder api)
    {
        api.MapGet("/queue", (ReviewQueries q, CancellationToken ct) => q.QueueAsync(ct));
        api.MapGet("/history", (ReviewQueries q, CancellationToken ct) => q.HistoryAsync(ct));
        api.MapGet("/adapters", (AdapterRegistry r) => r.Listing());
        api.MapGet("/adapters/{version}/loss-curve.svg", (string version, AdapterRegistry r) =>
            r.LossCurvePath(version) is { } path ? Results.File(path, "image/svg+xml") : Results.NotFound());
        api.MapGet("/status", StatusAsync);
        api.MapPost("/drafts/{draftId:long}/decision", DecideFromBodyAsync);
        api.MapPost("/drafts/{draftId:long}/regenerate", (long draftId, AdminRequest? body, HttpContext http, CancellationToken ct) =>
            DecideAsync(draftId, new DecisionRequest(DecisionKind.Regenerate, null, body?.Moderator), http, ct));
        api.MapPost("/retrain", RetrainAsync);
        api.MapPost("/adapters/rollback", RollbackAsync);
    }

    /// <summary>Reads the body itself, so that a bad body gets a 400 that says what is wrong (model binding answers with an empty one).</summary>
    private static async Task<IResult> DecideFromBodyAsync(long draftId, HttpContext http, CancellationToken ct)
    {
        var (request, error) = await DecisionBody.ReadAsync(http.Request, ct).ConfigureAwait(false);
        return request is null
            ? Results.BadRequest(new { status = DecisionStatus.Invalid.ToString(), state = (string?)null, message = error })
            : await DecideAsync(draftId, request, http, ct).ConfigureAwait(false);
    }

    private static async Task<IResult> DecideAsync(long draftId, DecisionRequest request, HttpContext http, CancellationToken ct)
    {
        var services = http.RequestServices;
        var moderation = services.GetRequiredService<ModerationService>();
        var result = await moderation.DecideAsync(draftId, request.Kind, ModeratorFrom(request.Moderator), request.Text, ct).ConfigureAwait(false);
        services.GetRequiredService<WebModerationChannel>().Touch();
        var body = new { status = result.Status.ToString(), state = result.State?.ToString(), message = result.Message };
        return result.Status switch
        {
            DecisionStatus.Accepted => Results.Ok(body),
            DecisionStatus.AlreadyHandled => Results.Conflict(body),
            DecisionStatus.NotFound => Results.NotFound(body),
            _ => Results.BadRequest(body),
        };
    }

    private static async Task<IResult> RetrainAsync(AdminRequest? request, HttpContext http, CancellationToken ct)
    {
        var services = http.RequestServices;
        if (RetrainTrigger(services) is not { } trigger)
        {
            return Results.Json(new AdminActionResult(false, "retraining not configured"), statusCode: StatusCodes.Status501NotImplemented);
        }

        var moderator = ModeratorFrom(request?.Moderator);
        var result = await trigger.TriggerRetrainAsync(moderator.Name, ct).ConfigureAwait(false);
        services.GetRequiredService<WebRetrainState>().Record(moderator.Name, result, services.GetRequiredService<TimeProvider>().GetUtcNow());
        LogAdmin(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebEndpoints)), "retrain", moderator.Name, result.Accepted);
        return result.Accepted ? Results.Accepted(value: result) : Results.Conflict(result);
    }

    private static async Task<IResult> RollbackAsync(AdminRequest? request, HttpContext http, CancellationToken ct)
    {
        var services = http.RequestServices;
        if (AdapterAdmin(services) is not { } admin)
        {
            return Results.Json(new AdminActionResult(false, "adapter rollback not configured"), statusCode: StatusCodes.Status501NotImplemented);
        }

        var moderator = ModeratorFrom(request?.Moderator);
        var result = await admin.RollbackAsync(moderator.Name, ct).ConfigureAwait(false);
        LogAdmin(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebEndpoints)), "rollback", moderator.Name, result.Accepted);
        return result.Accepted ? Results.Ok(result) : Results.Conflict(result);
    }

    private static async Task<WebStatus> StatusAsync(HttpContext http, CancellationToken ct)
    {
        var services = http.RequestServices;
        var comments = services.GetRequiredService<ICommentIngest>();
        var status = services.GetService<IStatusProvider>() is { } provider
            ? await provider.GetStatusAsync(ct).ConfigureAwait(false)
            : new ServiceStatus(await comments.CountByStateAsync(ct).ConfigureAwait(false), null, null, null);
        var active = status.ActiveAdapter ?? services.GetRequiredService<AdapterRegistry>().ActiveVersion;
        return new WebStatus(
            services.GetRequiredService<WebModerationChannel>().Revision,
            status.QueueSizes,
            active,
            status.LastRetrainAt,
            status.LastRetrainSummary,
            RetrainTrigger(services) is not null,
            AdapterAdmin(services) is not null,
            services.GetService<IRetrainProgress>()?.Current,
            services.GetRequiredService<WebRetrainState>().Last,
            await QuotaAsync(services, services.GetRequiredService<IQuotaStore>(), ct).ConfigureAwait(false));
    }

    private static async Task<QuotaStatus?> QuotaAsync(IServiceProvider services, IQuotaStore store, CancellationToken ct)
    {
        if (services.GetService<QuotaGate>() is not { } gate)
        {
            return null;
        }

        await gate.RestoreAsync(ct).ConfigureAwait(false);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var spent = await store.GetQuotaSpentAsync(QuotaGate.QuotaDay(now), ct).ConfigureAwait(false);
        var budget = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<PollerOptions>>().CurrentValue.DailyQuotaBudget;
        return new QuotaStatus(spent, budget, gate.PausedUntil > now ? gate.PausedUntil : null);
    }

    /// <summary>The retrain trigger when retraining is available here; null (the page says "not configured") otherwise.</summary>
    private static IRetrainTrigger? RetrainTrigger(IServiceProvider services) =>
        services.GetService<IRetrainTrigger>() is { IsAvailable: true } t ? t : null;

    private static IAdapterAdmin? AdapterAdmin(IServiceProvider services) =>
        services.GetService<IAdapterAdmin>() is { IsAvailable: true } a ? a : null;

    /// <summary>The page has no login: the name a moderator types is recorded, prefixed so it cannot pass for a Discord id.</summary>
    private static Moderator ModeratorFrom(string? name)
    {
        var clean = string.IsNullOrWhiteSpace(name) ? "web" : new string(name.Trim().Where(ch => !char.IsControl(ch)).Take(64).ToArray());
        return new Moderator("web:" + clean, clean);
    }

    private static bool IsLocalHost(string host, string address) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.Equals(address, StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));

    private static byte[] ReadResource(string name)
    {
        var assembly = typeof(WebEndpoints).Assembly;
        var resource = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith(".wwwroot." + name, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"embedded web file {name} is missing from {assembly.GetName().Name}");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Web page: {Action} requested by {Moderator}; accepted: {Accepted}")]
    private static partial void LogAdmin(ILogger logger, string action, string moderator, bool accepted);
}
