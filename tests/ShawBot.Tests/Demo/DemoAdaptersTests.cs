using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ShawBot.Cli.Demo;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Tests.Support;
using ShawBot.Tests.Web;

namespace ShawBot.Tests.Demo;

/// <summary>The demo with its own model (models/tiny-shawbot): the model's adapter is listed as v0001 with its eval loss.</summary>
public sealed class DemoAdaptersTests
{
    [Fact]
    public async Task The_page_lists_v0001_with_its_eval_loss_on_the_seed_replies()
    {
        using var folder = new TempFolder();
        string model = Path.Combine(RepoPaths.Root, "models", "tiny-shawbot");
        var options = DemoPageBrowserTests.DemoOptions(folder.File("state"), model) with { InitialComments = 0, TrickleInterval = TimeSpan.FromHours(1) };
        double evalLoss;
        await using (var demo = await DemoHost.StartAsync(options))
        {
            Assert.True(demo.UsesEngine);
            using var http = new HttpClient { BaseAddress = demo.PageUri };
            // The version is live at once; its eval loss is measured after the page is up (the first draft does not wait for it).
            JsonElement listing = default;
            await Wait.UntilAsync(async () =>
            {
                listing = await http.GetFromJsonAsync<JsonElement>("api/adapters");
                return listing.GetProperty("versions").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } v
                    && v.GetProperty("evalLoss").ValueKind == JsonValueKind.Number;
            }, TimeSpan.FromSeconds(60), "v0001's eval loss on the page");
            Assert.Equal("v0001", listing.GetProperty("active").GetString());
            var v1 = Assert.Single(listing.GetProperty("versions").EnumerateArray().ToList());
            Assert.Equal("v0001", v1.GetProperty("version").GetString());
            Assert.True(v1.GetProperty("isActive").GetBoolean());
            Assert.True(v1.GetProperty("hasWeights").GetBoolean());
            evalLoss = v1.GetProperty("evalLoss").GetDouble();
            Assert.Equal(evalLoss.ToString("R", System.Globalization.CultureInfo.InvariantCulture), v1.GetProperty("metadata").GetProperty("evalLoss").GetString());

            // The number is the adapter's mean loss on the seed replies' held-out split, as a retrain would measure it,
            // and the adapter does better there than the bare base model.
            var llm = demo.Services.GetRequiredService<LanguageModel>();
            var retrain = demo.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RetrainOptions>>().Value;
            var dataset = RetrainDataset.Build([], ReplyDataset.LoadJsonl(retrain.SeedDataPath!), retrain.EvalFraction);
            var trainer = new Trainer(llm.Model, llm.Tokenizer, llm.Template, retrain.ToTrainOptions(llm.Name));
            var eval = trainer.Encode(RetrainDataset.ToReplyExamples(dataset.Eval));
            var adapter = PeftAdapterFiles.Load(Path.Combine(model, "adapter"), llm.Model.Config, "check");
            Assert.Equal(trainer.Evaluate(adapter, eval), evalLoss, 1e-9);
            Assert.True(evalLoss < trainer.Evaluate(null, eval), "the demo adapter should beat the base model on its own seed data");

            // Drafts name the registry version, and the page's status shows it live.
            Assert.Equal("v0001", llm.Adapters.Active?.Version);
            var status = await http.GetFromJsonAsync<JsonElement>("api/status");
            Assert.Equal("v0001", status.GetProperty("activeAdapter").GetString());
        }

        // A second start follows the pointer and adds nothing.
        await using (var again = await DemoHost.StartAsync(options))
        {
            using var http = new HttpClient { BaseAddress = again.PageUri };
            var listing = await http.GetFromJsonAsync<JsonElement>("api/adapters");
            var v1 = Assert.Single(listing.GetProperty("versions").EnumerateArray().ToList());
            Assert.Equal(evalLoss, v1.GetProperty("evalLoss").GetDouble());
            Assert.Equal("v0001", again.Services.GetRequiredService<LanguageModel>().Adapters.Active?.Version);
        }
    }
}
