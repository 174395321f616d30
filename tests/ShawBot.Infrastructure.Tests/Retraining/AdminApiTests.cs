using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using ShawBot.Engine.Lora;
using ShawBot.Infrastructure.Retraining;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>The local admin endpoint (`shawbot retrain --url`) and the pointer that `shawbot adapters` moves.</summary>
[Collection(RetrainCollection.Name)]
public sealed class AdminApiTests : IDisposable
{
    private readonly RetrainHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Post_api_retrain_starts_a_run_and_a_second_post_during_it_is_a_409_that_says_so()
    {
        var gate = new TaskCompletionSource();
        var runner = new GatedRunner(gate.Task);
        using var coordinator = new RetrainCoordinator(runner, [], NullLogger<RetrainCoordinator>.Instance);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IRetrainTrigger>(coordinator);
        builder.Services.AddSingleton(_h.Registry);
        builder.Services.AddSingleton<IAdapterAdmin>(_h.Admin);
        builder.Services.AddSingleton(_h.Admin);
        await using var app = builder.Build();
        app.MapShawBotRetrainApi();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        http.DefaultRequestHeaders.Add("X-ShawBot-User", "carol");

        var first = await http.PostAsync("/api/retrain", null);
        var second = await http.PostAsync("/api/retrain", null);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var refusal = await second.Content.ReadFromJsonAsync<AdminActionResult>();
        Assert.False(refusal!.Accepted);
        Assert.Contains("already running", refusal.Message);
        Assert.Contains("by carol", refusal.Message);
        gate.SetResult();
        await coordinator.WhenIdleAsync();
        Assert.Equal(["carol"], runner.RequestedBy);

        var list = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/adapters");
        Assert.Equal(0, list.GetProperty("versions").GetArrayLength());
        var rollback = await http.PostAsync("/api/adapters/rollback", null);
        Assert.Equal(HttpStatusCode.Conflict, rollback.StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public async Task The_running_engine_follows_adapters_active_when_the_cli_moves_it()
    {
        _h.Model.EnsureLoaded();
        var config = _h.Model.Model.Config;
        string peft = _h.Folder.File("peft");
        for (int i = 0; i < 2; i++)
        {
            var adapter = LoraAdapter.CreateNew(config, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ["q_proj"] }, (ulong)i + 1);
            adapter.B(adapter.Modules[0]).Fill(0.01f * (i + 1));     // a non-zero update, so the adapters differ from the base
            PeftAdapterFiles.Save(adapter, peft);
            _h.Registry.AddVersion(peft, name => new AdapterMetadata { Version = name, CreatedAt = DateTimeOffset.UtcNow, BaseModel = "tiny", DatasetHash = "", Promoted = true }, [], []);
        }
        var watcher = new ActiveAdapterWatcher(_h.Registry, Options.Create(_h.Options), NullLogger<ActiveAdapterWatcher>.Instance, _h.Model);
        Assert.False(watcher.SyncOnce());                         // no pointer yet: nothing to follow
        var baseModel = _h.Model.Model;

        _h.Registry.SetActive("v0002", "cli", "shawbot adapters activate");       // what the CLI does
        Assert.True(watcher.SyncOnce());
        Assert.Equal("v0002", (await _h.DraftAsync()).AdapterVersion);
        Assert.Same(baseModel, _h.Model.Model);
        Assert.False(watcher.SyncOnce());

        _h.Registry.Rollback("cli");
        Assert.True(watcher.SyncOnce());
        Assert.Equal("v0001", (await _h.DraftAsync()).AdapterVersion);
        Assert.Equal(["v0001"], _h.Model.Adapters.Names);

        _h.Registry.Rollback("cli");                               // down to the base model
        Assert.True(watcher.SyncOnce());
        Assert.Equal("base", (await _h.DraftAsync()).AdapterVersion);
        Assert.Empty(_h.Model.Adapters.Names);
    }

    private sealed class GatedRunner(Task gate) : IRetrainRunner
    {
        public List<string> RequestedBy { get; } = [];

        public async Task<RetrainOutcome> RunAsync(RetrainRequest request, IProgress<ShawBot.Engine.Training.TrainProgress>? progress, CancellationToken cancellationToken)
        {
            lock (RequestedBy) RequestedBy.Add(request.RequestedBy);
            await gate.WaitAsync(cancellationToken);
            return new RetrainOutcome(RetrainOutcomeKind.Skipped, "gated", request.RequestedBy, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        }
    }
}
