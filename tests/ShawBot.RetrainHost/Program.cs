// Runs one retrain through the service's own wiring (engine, store, registry, Quartz on its SQLite
// store, coordinator) and prints the outcome; the crash test kills it at random points.
// Usage: ShawBot.RetrainHost --root DIR [--max-steps N]  (DIR holds tiny-mistral/, prompts/, shawbot.db; adapters/ goes there)
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Store;

var arguments = args.Chunk(2).Where(p => p.Length == 2).ToDictionary(p => p[0].TrimStart('-'), p => p[1]);
string root = arguments["root"];
var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ShawBot:Engine:ModelPath"] = Path.Combine(root, "tiny-mistral"),
    ["ShawBot:Engine:PromptsPath"] = Path.Combine(root, "prompts"),
    ["ShawBot:Engine:MaxNewTokens"] = "8",
    ["ShawBot:Engine:ContextTokens"] = "256",
    ["ShawBot:Adapters:Path"] = Path.Combine(root, "adapters"),
    ["ShawBot:Retrain:SchedulerDatabasePath"] = Path.Combine(root, "scheduler.db"),
    ["ShawBot:Retrain:MinNewExamples"] = "0",
    // Any improvement promotes, so kills also land around a promotion (a rerun on the same data ties and is kept).
    ["ShawBot:Retrain:PromotionMargin"] = "0",
    ["ShawBot:Retrain:EvalFraction"] = "0.25",
    ["ShawBot:Retrain:Epochs"] = "10",
    // One step per epoch (the whole training split in a batch): a checkpoint after every step,
    // so runs killed early still move the training forward.
    ["ShawBot:Retrain:MaxSteps"] = arguments.GetValueOrDefault("max-steps", "6"),
    ["ShawBot:Retrain:BatchSize"] = "16",
    ["ShawBot:Retrain:Rank"] = "4",
    ["ShawBot:Retrain:Alpha"] = "8",
    ["ShawBot:Retrain:Dropout"] = "0",
    ["ShawBot:Retrain:Targets"] = "all-linear",
    ["ShawBot:Retrain:LearningRate"] = "0.01",
    ["ShawBot:Retrain:GradientAccumulation"] = "1",
    ["ShawBot:Retrain:MaxLength"] = "96",
    ["ShawBot:Retrain:SampleCount"] = "1",
    ["ShawBot:Retrain:SampleMaxNewTokens"] = "8",
    ["ShawBot:Retrain:Enabled"] = "true",
    // From scratch each run: reruns on the same data then tie with the first promoted version (the test counts promotions).
    ["ShawBot:Retrain:WarmStart"] = "false",
    ["ShawBot:Retrain:ScheduleEnabled"] = "false",
    ["ShawBot:Retrain:LowPriority"] = "false",
});
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("ShawBot", LogLevel.Information);
builder.Services.AddCommentStore(new SqliteCommentStore(Options.Create(new StoreOptions { DatabasePath = Path.Combine(root, "shawbot.db") }), TimeProvider.System));
builder.Services.AddShawBotEngine(builder.Configuration).AddShawBotRetraining(builder.Configuration);
using var host = builder.Build();
var clock = System.Diagnostics.Stopwatch.StartNew();
await host.StartAsync();
Console.Out.WriteLine($"ready at {clock.ElapsedMilliseconds} ms");
var outcome = await host.Services.GetRequiredService<RetrainCoordinator>().RunAsync(new RetrainRequest("crash-test"), CancellationToken.None);
Console.Out.WriteLine($"finished at {clock.ElapsedMilliseconds} ms");
Console.Out.WriteLine($"outcome {outcome.Kind} {outcome.Version?.Name} {outcome.Summary}");
await host.StopAsync();
return outcome.Kind is RetrainOutcomeKind.Promoted or RetrainOutcomeKind.NotPromoted ? 0 : 1;
