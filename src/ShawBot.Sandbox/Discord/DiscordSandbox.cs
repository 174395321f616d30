using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShawBot.Sandbox.Hosting;

namespace ShawBot.Sandbox.Discord;

/// <summary>
/// A loopback stand-in for Discord (REST v10 + gateway) on Kestrel, 127.0.0.1 and a free port.
/// Tests and <c>shawbot demo</c> point the client at <see cref="ApiBaseUrl"/>, then script users
/// clicking buttons, submitting modals and running slash commands, and inject gateway and REST
/// faults through <see cref="Gateway"/> and <see cref="RateLimits"/>.
/// </summary>
public sealed partial class DiscordSandbox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private static readonly DateTimeOffset DiscordEpoch = new(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Lock _idLock = new();
    private ulong _lastId;

    private DiscordSandbox(WebApplication app, DiscordSandboxOptions options)
    {
        _app = app;
        Options = options;
        Gateway = new SandboxGateway(options, _clock);
        Rest = new SandboxRest(options, _clock, NextId);
        RateLimits = new SandboxRateLimits(options, _clock);
    }

    public DiscordSandboxOptions Options { get; }

    public SandboxGateway Gateway { get; }

    public SandboxRest Rest { get; }

    public SandboxRateLimits RateLimits { get; }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>http://127.0.0.1:port/api/v10/</summary>
    public Uri ApiBaseUrl => new(BaseUrl, "api/v10/");

    /// <summary>ws://127.0.0.1:port/gateway (what GET /gateway/bot answers).</summary>
    public Uri GatewayUrl => new($"ws://{BaseUrl.Authority}/gateway");

    /// <summary>Time since the sandbox started, on the clock of every log entry.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public static async Task<DiscordSandbox> StartAsync(DiscordSandboxOptions? options = null, ILoggerProvider? loggerProvider = null, CancellationToken ct = default)
    {
        options ??= new DiscordSandboxOptions();
        var builder = SandboxHost.CreateBuilder(typeof(DiscordSandbox).Assembly.GetName().Name!);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        if (loggerProvider is not null)
            builder.Logging.AddProvider(loggerProvider);
        builder.Services.AddRouting();
        var app = builder.Build();
        var sandbox = new DiscordSandbox(app, options);
        sandbox.Configure(app);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sandbox.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        sandbox.Gateway.ResumeUrl = $"ws://{sandbox.BaseUrl.Authority}/gateway-resume";
        return sandbox;
    }

    public async ValueTask DisposeAsync()
    {
        Gateway.Abort();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Snowflakes as Discord makes them: milliseconds since 2015 · 2²², kept strictly increasing.</summary>
    internal ulong NextId()
    {
        var now = (ulong)(DateTimeOffset.UtcNow - DiscordEpoch).TotalMilliseconds << 22;
        lock (_idLock)
            return _lastId = Math.Max(_lastId + 1, now);
    }

    private void Configure(WebApplication app)
    {
        app.UseWebSockets();
        app.UseRouting();
        app.Use(RestMiddlewareAsync);
        app.Map("/gateway", Gateway.HandleAsync);
        app.Map("/gateway-resume", Gateway.HandleAsync);

        Map(app, "GET", "/gateway/bot", _ => Results.Json(new JsonObject
        {
            ["url"] = GatewayUrl.ToString().TrimEnd('/'),
            ["shards"] = 1,
            ["session_start_limit"] = new JsonObject { ["total"] = 1000, ["remaining"] = 999, ["reset_after"] = 0, ["max_concurrency"] = 1 },
        }));
        MapRest(app);
        MapAdmin(app);
    }

    private void MapRest(WebApplication app)
    {
        IResult Application(HttpContext _) => Results.Json(new JsonObject { ["id"] = Options.ApplicationId.ToString(), ["name"] = "ShawBot", ["bot_public"] = false });
        Map(app, "GET", "/applications/@me", Application);
        Map(app, "GET", "/oauth2/applications/@me", Application);
        Map(app, "POST", "/channels/{channel_id}/messages", CreateMessageAsync);
        Map(app, "PATCH", "/channels/{channel_id}/messages/{message_id}", async c => Rest.EditMessage(Id(c, "channel_id"), Id(c, "message_id"), await BodyAsync(c)));
        Map(app, "GET", "/channels/{channel_id}/messages/{message_id}", c => Rest.GetMessage(Id(c, "channel_id"), Id(c, "message_id")));
        Map(app, "GET", "/channels/{channel_id}/messages", c => Rest.ListMessages(Id(c, "channel_id"), c.Request.Query["after"], c.Request.Query["limit"]));
        Map(app, "GET", "/channels/{channel_id}", c => Rest.GetChannel(Id(c, "channel_id")));
        Map(app, "POST", "/interactions/{interaction_id}/{token}/callback", async c => Rest.Callback(Id(c, "interaction_id"), Str(c, "token"), await BodyAsync(c)));
        Map(app, "PATCH", "/webhooks/{application_id}/{token}/messages/@original", async c => Rest.EditOriginal(Id(c, "application_id"), Str(c, "token"), await BodyAsync(c)));
        Map(app, "POST", "/webhooks/{application_id}/{token}", async c => Rest.Followup(Id(c, "application_id"), Str(c, "token"), await BodyAsync(c)));
        Map(app, "PUT", "/applications/{application_id}/commands", async c => Rest.OverwriteCommands(Id(c, "application_id"), "global", await JsonNode.ParseAsync(c.Request.Body)));
        Map(app, "PUT", "/applications/{application_id}/guilds/{guild_id}/commands", async c => Rest.OverwriteCommands(Id(c, "application_id"), Id(c, "guild_id").ToString(), await JsonNode.ParseAsync(c.Request.Body)));
    }

    /// <summary>Route key as the client names it ("POST /channels/{channel_id}/messages"); used by rate limits.</summary>
    private sealed record RouteKey(string Value);

    private static void Map(WebApplication app, string method, string template, Func<HttpContext, IResult> handler) =>
        app.MapMethods("/api/v10" + template, [method], (Delegate)handler).WithMetadata(new RouteKey($"{method} {template}"));

    private static void Map(WebApplication app, string method, string template, Func<HttpContext, Task<IResult>> handler) =>
        app.MapMethods("/api/v10" + template, [method], (Delegate)handler).WithMetadata(new RouteKey($"{method} {template}"));

    /// <summary>Every /api/v10 request: record it, check the bot token, apply rate limits and injected faults.</summary>
    private async Task RestMiddlewareAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RouteKey>() is not { } key)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        context.Request.EnableBuffering();
        string body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        context.Request.Body.Position = 0;
        string? auth = context.Request.Headers.Authorization;
        try
        {
            if (auth != $"Bot {Options.Token}")
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsJsonAsync(new { message = "401: Unauthorized", code = 0 }).ConfigureAwait(false);
                return;
            }
            var values = context.Request.RouteValues;
            string major = (values["channel_id"] ?? values["guild_id"] ?? values["interaction_id"] ?? values["token"])?.ToString() ?? "";
            if (await RateLimits.AdmitAsync(context, key.Value, major).ConfigureAwait(false))
                await next(context).ConfigureAwait(false);
        }
        finally
        {
            Rest.Record(new RestLogEntry(_clock.Elapsed, context.Request.Method, context.Request.Path, key.Value,
                context.Response.StatusCode, body.Length == 0 ? null : body, auth is null ? null : auth.Split(' ')[0], context.Request.Headers.UserAgent));
        }
    }

    private static ulong Id(HttpContext c, string name) => ulong.Parse((string)c.Request.RouteValues[name]!, System.Globalization.CultureInfo.InvariantCulture);

    private static string Str(HttpContext c, string name) => (string)c.Request.RouteValues[name]!;

    /// <summary>JSON, or multipart/form-data with payload_json and files[n] parts (a message with uploads).</summary>
    private async Task<IResult> CreateMessageAsync(HttpContext c)
    {
        ulong channel = Id(c, "channel_id");
        if (!c.Request.HasFormContentType)
        {
            var created = Rest.CreateMessage(channel, await BodyAsync(c));
            if (Rest.StallOf(channel) is { } stall)
                await Task.Delay(stall, c.RequestAborted).ConfigureAwait(false);
            return created;
        }
        var form = await c.Request.ReadFormAsync(c.RequestAborted).ConfigureAwait(false);
        if (JsonNode.Parse(form["payload_json"].ToString() is { Length: > 0 } json ? json : "{}") is not JsonObject payload)
            return SandboxRest.Error(400, 50035, "Invalid Form Body: payload_json: not a JSON object.");
        var files = new List<SandboxAttachment>();
        foreach (var f in form.Files)
        {
            using var ms = new MemoryStream();
            await f.CopyToAsync(ms, c.RequestAborted).ConfigureAwait(false);
            files.Add(new SandboxAttachment(f.Name, f.FileName, f.ContentType ?? "application/octet-stream", ms.ToArray()));
        }
        return Rest.CreateMessage(channel, payload, files);
    }

    private static async Task<JsonObject> BodyAsync(HttpContext c) =>
        await JsonNode.ParseAsync(c.Request.Body).ConfigureAwait(false) as JsonObject ?? new JsonObject();

    internal static string NewToken() => "tok_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
}
