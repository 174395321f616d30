// Runs Poller → Drafter (stub writer) → moderation → Publisher against a YouTube endpoint until killed.
// Usage: ShawBot.PipelineHost --db PATH --base-uri URI --channel UC... [Discord: --discord-api URI --discord-token T
//        --discord-app ID --discord-guild ID --review-channel ID --moderator ID --ask-channel ID]
//        [PostgreSQL: --pg CONNECTION-STRING --instance ID] [web page: --web-port PORT]
// Without the Discord or web arguments every draft is auto-approved; with Discord, moderators decide in the review
// channel and questions in the ask channel are a second comment source; with --web-port, drafts wait for decisions
// through the page's API (POST /api/drafts/{id}/decision) on 127.0.0.1:PORT. With --pg the store is that PostgreSQL
// database instead of --db, and --instance names this host in the work leases (stable across its restarts).
// --settings FILE adds a JSON settings file over these (several YouTube channels: ShawBot:Channels, OAuth token folders).
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core;
using ShawBot.Infrastructure;
using ShawBot.Infrastructure.Discord;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Web;

var arguments = args.Chunk(2).Where(p => p.Length == 2).ToDictionary(p => p[0].TrimStart('-'), p => p[1]);
var settings = new Dictionary<string, string?>
{
    ["ShawBot:Channel:ChannelId"] = arguments["channel"],
    ["ShawBot:Store:DatabasePath"] = arguments.GetValueOrDefault("db", "unused.db"),
    ["ShawBot:YouTube:BaseUri"] = arguments["base-uri"],
    ["ShawBot:YouTube:Auth"] = "none",
    ["ShawBot:Screening:DetectLanguage"] = "false", // crash tests start many of these processes: no 200 MB model load each
    ["ShawBot:YouTube:RetryBaseDelay"] = "00:00:00.020",
    ["ShawBot:YouTube:RequestTimeout"] = "00:00:05",
    ["ShawBot:Poller:Interval"] = "00:00:00.200",
    ["ShawBot:Poller:DailyQuotaBudget"] = "1000000",
    ["ShawBot:Drafter:Interval"] = "00:00:00.200",
    ["ShawBot:Publisher:Interval"] = "00:00:00.100",
    ["ShawBot:Loops:InitialBackoff"] = "00:00:00.050",
    ["ShawBot:Loops:MaxBackoff"] = "00:00:00.500",
};
if (arguments.TryGetValue("pg", out var connectionString))
{
    settings["ShawBot:Store:Provider"] = "postgres";
    settings["ShawBot:Store:ConnectionString"] = connectionString;
    settings["ShawBot:Store:InstanceId"] = arguments["instance"];
    settings["ShawBot:Store:LeaseSeconds"] = "5"; // a killed host's claims pass to the other host within seconds
}

var web = arguments.TryGetValue("web-port", out var webPort);
settings["ShawBot:Web:Enabled"] = web ? "true" : "false";
if (web)
{
    settings["ShawBot:Web:Port"] = webPort;
}

var discord = arguments.ContainsKey("discord-api");
if (discord)
{
    settings["ShawBot:Discord:ApiBaseUrl"] = arguments["discord-api"];
    settings["ShawBot:Discord:BotToken"] = arguments["discord-token"];
    settings["ShawBot:Discord:ApplicationId"] = arguments["discord-app"];
    settings["ShawBot:Discord:GuildId"] = arguments["discord-guild"];
    settings["ShawBot:Discord:ChannelId"] = arguments["review-channel"];
    settings["ShawBot:Discord:ModeratorUserIds:0"] = arguments["moderator"];
    settings["ShawBot:Channels:0:Platform"] = "Discord";
    settings["ShawBot:Channels:0:DisplayName"] = "Community";
    settings["ShawBot:Channels:0:GuildId"] = arguments["discord-guild"];
    settings["ShawBot:Channels:0:AskChannelIds:0"] = arguments["ask-channel"];
}

// With the page the host is a WebApplication (Kestrel on 127.0.0.1 only); without it a plain host that opens no port.
IHostApplicationBuilder builder = web
    ? WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "ShawBot.PipelineHost" })
    : Host.CreateApplicationBuilder();
builder.Configuration.AddInMemoryCollection(settings);
if (arguments.TryGetValue("settings", out var settingsFile))
{
    builder.Configuration.AddJsonFile(Path.GetFullPath(settingsFile), optional: false, reloadOnChange: false);
}

builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services
    .AddShawBotCore(builder.Configuration)
    .AddShawBotInfrastructure(builder.Configuration)
    .AddStubReplyWriter();
if (discord)
{
    // Discord's /shawbot commands ask the retrain, rollback and status ports: retraining is off here,
    // so AddShawBotRetraining registers Core's "unavailable" defaults for them.
    builder.Services.AddShawBotRetraining(builder.Configuration).AddShawBotDiscord(builder.Configuration);
}
else if (web)
{
    // The page's /api/retrain and /api/status ask the same ports: Core's "unavailable" defaults again.
    builder.Services.AddRouting().AddShawBotRetraining(builder.Configuration).AddShawBotWeb(builder.Configuration);
}
else
{
    builder.Services.AddAutoApproveModeration();
}

using var host = web ? BuildWeb((WebApplicationBuilder)builder, webPort!) : ((HostApplicationBuilder)builder).Build();
await host.StartAsync();
Console.Out.WriteLine("ready");
await host.WaitForShutdownAsync();

static WebApplication BuildWeb(WebApplicationBuilder builder, string port)
{
    builder.WebHost.UseKestrelCore();
    builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
    var app = builder.Build();
    app.UseRouting();
    app.UseShawBotWeb(app.Services.GetRequiredService<IOptions<WebOptions>>().Value);
    return app;
}
