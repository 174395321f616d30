// Runs Poller → Drafter (stub writer) → auto-approve → Publisher against a YouTube endpoint until killed.
// Usage: ShawBot.PipelineHost --db PATH --base-uri URI --channel UC...
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShawBot.Core;
using ShawBot.Infrastructure;

var arguments = args.Chunk(2).Where(p => p.Length == 2).ToDictionary(p => p[0].TrimStart('-'), p => p[1]);
var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
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
});
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services
    .AddShawBotCore(builder.Configuration)
    .AddShawBotInfrastructure(builder.Configuration)
    .AddStubReplyWriter()
    .AddAutoApproveModeration();
using var host = builder.Build();
await host.StartAsync();
Console.Out.WriteLine("ready");
await host.WaitForShutdownAsync();
