// Runs Poller → Drafter (stub writer) → moderation → Publisher against a YouTube endpoint until killed.
// Usage: ShawBot.PipelineHost --db PATH --base-uri URI --channel UC... [Discord: --discord-api URI --discord-token T
//        --discord-app ID --discord-guild ID --review-channel ID --moderator ID --ask-channel ID]
// Without the Discord arguments every draft is auto-approved; with them, moderators decide in the review channel
// and questions in the ask channel are a second comment source.
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShawBot.Core;
using ShawBot.Infrastructure;
using ShawBot.Infrastructure.Discord;
using ShawBot.Infrastructure.Retraining;

var arguments = args.Chunk(2).Where(p => p.Length == 2).ToDictionary(p => p[0].TrimStart('-'), p => p[1]);
var settings = new Dictionary<string, string?>
{
    ["ShawBot:Channel:ChannelId"] = arguments["channel"],
    ["ShawBot:Store:DatabasePath"] = arguments["db"],
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

var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddInMemoryCollection(settings);
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
else
{
    builder.Services.AddAutoApproveModeration();
}

using var host = builder.Build();
await host.StartAsync();
Console.Out.WriteLine("ready");
await host.WaitForShutdownAsync();
