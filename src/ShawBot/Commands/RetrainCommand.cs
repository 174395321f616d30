using System.CommandLine;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShawBot.Cli.Hosting;
using ShawBot.Core.Ports;
using ShawBot.Engine.Generation;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Web;

namespace ShawBot.Cli.Commands;

/// <summary>
/// `shawbot retrain`: the nightly job now. With --url it asks the running service (POST
/// /api/retrain on its web page's admin API) and returns at once; otherwise it runs here, offline,
/// on the store's curated examples (plus --seed-data) and writes the registry. A running service
/// follows a promotion made here through adapters/active; the registry lock keeps the two from
/// training at the same time.
/// </summary>
internal static class RetrainCommand
{
    public static Command Create()
    {
        var url = new Option<string?>("--url") { Description = "a running instance's base address, e.g. http://127.0.0.1:5080: ask it to retrain instead of running here" };
        var token = new Option<string?>("--token") { Description = "the page's access token (ShawBot:Web:AccessToken), when it has one" };
        var model = CommonOptions.Model(required: false);
        var prompts = CommonOptions.Prompts();
        var quantize = CommonOptions.Quantize();
        var doubleQuant = CommonOptions.DoubleQuant();
        var db = new Option<FileInfo>("--db") { Description = "the service's SQLite store (ShawBot:Store:DatabasePath)", DefaultValueFactory = _ => new FileInfo("data/shawbot.db") };
        var adapters = AdaptersCommand.AdaptersOption();
        var seed = new Option<FileInfo?>("--seed-data") { Description = "JSONL of {\"comment\", \"reply\"} trained on beside the curated examples" };
        var force = new Option<bool>("--force") { Description = "train even when fewer than --min-new examples arrived since the last version" };
        var d = new RetrainOptions();
        var minNew = new Option<int>("--min-new") { Description = "skip unless this many curated examples are new", DefaultValueFactory = _ => d.MinNewExamples };
        var margin = new Option<double>("--margin") { Description = "promote when eval loss falls by this fraction", DefaultValueFactory = _ => d.PromotionMargin };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => d.Epochs, Description = "passes over the training split" };
        var maxSteps = new Option<int>("--max-steps") { DefaultValueFactory = _ => 0, Description = "stop after this many optimizer steps (0 = all epochs)" };
        var rank = new Option<int>("--rank") { DefaultValueFactory = _ => d.Rank, Description = "LoRA rank r" };
        var alpha = new Option<double>("--alpha") { DefaultValueFactory = _ => d.Alpha, Description = "LoRA alpha" };
        var targets = new Option<string>("--targets") { DefaultValueFactory = _ => d.Targets, Description = "comma-separated projections or all-linear" };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => d.LearningRate, Description = "peak learning rate" };
        var fromScratch = new Option<bool>("--from-scratch") { Description = "train a new adapter on everything instead of continuing from the live one with a replay sample" };
        var budget = new Option<TimeSpan>("--time-budget") { DefaultValueFactory = _ => d.TimeBudget, Description = "stop in time with the best adapter (hh:mm:ss, 0 = none); an unfinished plan resumes next run" };
        var samples = new Option<int>("--samples") { DefaultValueFactory = _ => d.SampleCount, Description = "held-out comments to answer for the report" };
        var cmd = new Command("retrain", "Retrain the adapter now: on the running service (--url) or here, offline (--model, --db, --adapters).")
        {
            url, token, model, prompts, quantize, doubleQuant, db, adapters, seed, force, minNew, margin, epochs, maxSteps, rank, alpha, targets, lr, samples, fromScratch, budget,
        };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(async () =>
        {
            if (pr.GetValue(url) is { } address)
            {
                if (!Uri.TryCreate(address, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
                    throw new ArgumentException($"--url '{address}' is not an http(s) address");
                return await Remote(baseUri, pr.GetValue(token), ct);
            }
            var modelDir = pr.GetValue(model) ?? throw new ArgumentException("--model is required to retrain offline (or pass --url to ask a running service)");
            // The service's own composition (ServiceHost.Build → AddShawBot) with retraining on, the
            // schedule, page and YouTube unused: the host is built, never started.
            var settings = new Dictionary<string, string?>
            {
                [$"{EngineOptions.Section}:{nameof(EngineOptions.ModelPath)}"] = modelDir.FullName,
                [$"{EngineOptions.Section}:{nameof(EngineOptions.PromptsPath)}"] = PromptTemplate.Locate(pr.GetValue(prompts)?.FullName),
                [$"{EngineOptions.Section}:{nameof(EngineOptions.Quantize)}"] = pr.GetValue(quantize),
                [$"{EngineOptions.Section}:{nameof(EngineOptions.DoubleQuant)}"] = Invariant(pr.GetValue(doubleQuant)),
                [$"{StoreOptions.Section}:{nameof(StoreOptions.DatabasePath)}"] = pr.GetValue(db)!.FullName,
                [$"{WebOptions.Section}:{nameof(WebOptions.Enabled)}"] = "false",
                [$"{AdaptersOptions.Section}:{nameof(AdaptersOptions.Path)}"] = pr.GetValue(adapters)!.FullName,
            };
            var retrain = new Dictionary<string, object?>
            {
                [nameof(RetrainOptions.Enabled)] = true, [nameof(RetrainOptions.ScheduleEnabled)] = false, [nameof(RetrainOptions.LowPriority)] = false,
                [nameof(RetrainOptions.SeedDataPath)] = pr.GetValue(seed)?.FullName,
                [nameof(RetrainOptions.MinNewExamples)] = pr.GetValue(minNew), [nameof(RetrainOptions.PromotionMargin)] = pr.GetValue(margin),
                [nameof(RetrainOptions.Epochs)] = pr.GetValue(epochs), [nameof(RetrainOptions.MaxSteps)] = pr.GetValue(maxSteps),
                [nameof(RetrainOptions.Rank)] = pr.GetValue(rank), [nameof(RetrainOptions.Alpha)] = pr.GetValue(alpha), [nameof(RetrainOptions.Targets)] = pr.GetValue(targets),
                [nameof(RetrainOptions.LearningRate)] = pr.GetValue(lr), [nameof(RetrainOptions.SampleCount)] = pr.GetValue(samples),
                [nameof(RetrainOptions.WarmStart)] = !pr.GetValue(fromScratch), [nameof(RetrainOptions.TimeBudget)] = pr.GetValue(budget),
            };
            foreach (var (key, value) in retrain) settings[$"{RetrainOptions.Section}:{key}"] = Invariant(value);
            await using var app = ServiceHost.Build(Environment.CurrentDirectory, c => c.AddInMemoryCollection(settings));
            try
            {
                // Validated as `run` validates them on start.
                app.Services.GetRequiredService<IOptions<RetrainOptions>>().Value.ToTrainOptions(null).Validate();
                _ = app.Services.GetRequiredService<IOptions<EngineOptions>>().Value;
            }
            catch (OptionsValidationException e)
            {
                foreach (var failure in e.Failures) Console.Error.WriteLine($"error: {failure}");
                return 2;
            }

            var runner = app.Services.GetRequiredService<IRetrainRunner>();
            var outcome = await runner.RunAsync(new RetrainRequest(Environment.UserName, pr.GetValue(force)),
                new InlineProgress(p => Console.Error.Write($"\rstep {p.Step}/{p.TotalSteps} · loss {p.TrainLoss:0.000}{(p.EvalLoss is { } e ? $" · eval {e:0.000}" : "")}   ")), ct);
            Console.Error.WriteLine();
            await ActivatorUtilities.CreateInstance<LogRetrainReporter>(app.Services).ReportAsync(outcome, ct);
            Console.WriteLine(outcome.Summary);
            foreach (var s in outcome.Samples)
                Console.WriteLine($"\n> {s.Comment}\nnew:     {s.Candidate}\ncurrent: {s.Current}\ncurated: {s.Reference}");
            return outcome.Kind switch
            {
                RetrainOutcomeKind.Promoted or RetrainOutcomeKind.NotPromoted or RetrainOutcomeKind.Skipped => 0,
                RetrainOutcomeKind.Interrupted => 130,
                _ => 1,
            };
        }));
        return cmd;
    }

    public const string RetrainPath = "api/retrain";

    private static async Task<int> Remote(Uri baseUri, string? token, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        if (token is { Length: > 0 }) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        // The web page's admin API (ShawBot:Web): POST /api/retrain {"moderator": name}.
        try { response = await http.PostAsJsonAsync(RetrainPath, new { moderator = Environment.UserName }, ct); }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"error: no ShawBot answered at {baseUri}: {e.Message}");
            return 1;
        }
        using var _ = response;
        var result = await response.Content.ReadFromJsonAsync<AdminActionResult>(ct);
        Console.WriteLine(result?.Message ?? $"{(int)response.StatusCode} {response.ReasonPhrase}");
        return result?.Accepted == true ? 0 : 1;
    }

    private static string? Invariant(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
