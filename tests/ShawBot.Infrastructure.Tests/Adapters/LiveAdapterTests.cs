using Microsoft.Extensions.Logging.Abstractions;
using ShawBot.Engine.Lora;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Tests.Retraining;

namespace ShawBot.Infrastructure.Tests.Adapters;

/// <summary>The pointer that `shawbot adapters` moves, followed by the running engine.</summary>
[Collection(RetrainCollection.Name)]
public sealed class LiveAdapterTests : IDisposable
{
    private readonly RetrainHarness _h = new();

    public void Dispose() => _h.Dispose();

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
        var watcher = _h.Admin;                                   // what ActiveAdapterWatcher calls every PointerPollInterval
        Assert.False(watcher.Follow());                         // no pointer yet: nothing to follow
        var baseModel = _h.Model.Model;

        _h.Registry.SetActive("v0002", "cli", "shawbot adapters activate");       // what the CLI does
        Assert.True(watcher.Follow());
        Assert.Equal("v0002", (await _h.DraftAsync()).AdapterVersion);
        Assert.Same(baseModel, _h.Model.Model);
        Assert.False(watcher.Follow());

        _h.Registry.Rollback("cli");
        Assert.True(watcher.Follow());
        Assert.Equal("v0001", (await _h.DraftAsync()).AdapterVersion);
        Assert.Equal(["v0001"], _h.Model.Adapters.Names);

        _h.Registry.Rollback("cli");                               // down to the base model
        Assert.True(watcher.Follow());
        Assert.Equal("base", (await _h.DraftAsync()).AdapterVersion);
        Assert.Empty(_h.Model.Adapters.Names);
    }
}
