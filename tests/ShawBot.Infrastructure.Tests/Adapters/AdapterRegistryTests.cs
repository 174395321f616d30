using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Tests.Pipeline;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Adapters;

public sealed class AdapterRegistryTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly AdapterRegistry _registry;
    private readonly string _peft;

    public AdapterRegistryTests()
    {
        _registry = new AdapterRegistry(_folder.File("adapters"));
        string model = EngineEndToEndTests.TinyModelWithTokenizer(_folder.File("tiny"));
        var config = ModelConfig.Load(Path.Combine(model, "config.json"));
        _peft = _folder.File("peft");
        PeftAdapterFiles.Save(LoraAdapter.CreateNew(config, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ["q_proj"] }, 1), _peft);
        File.WriteAllText(Path.Combine(_peft, "loss-curve.svg"), "<svg/>");
    }

    public void Dispose() => _folder.Dispose();

    private AdapterVersion Add(bool promoted) => _registry.AddVersion(_peft, name => new AdapterMetadata
    {
        Version = name, CreatedAt = DateTimeOffset.UnixEpoch, BaseModel = "tiny", DatasetHash = new string('0', 64), Promoted = promoted, EvalLoss = 1.5,
    }, ["c1", "c2"], [Path.Combine(_peft, "loss-curve.svg")]);

    [Fact]
    public void Versions_are_numbered_whole_and_listed_in_order()
    {
        Assert.Empty(_registry.List());
        Assert.Null(_registry.ActiveVersion);
        var v1 = Add(promoted: true);
        var v2 = Add(promoted: false);
        Assert.Equal(("v0001", 1), (v1.Name, v1.Number));
        Assert.Equal("v0002", v2.Name);
        Assert.Equal(["v0001", "v0002"], _registry.List().Select(v => v.Name));
        Assert.Equal("v0002", _registry.Get("v0002")!.Metadata.Version);
        Assert.Equal(Math.Exp(1.5), _registry.Get("v0001")!.Metadata.EvalPerplexity);
        Assert.Equal(new HashSet<string> { "c1", "c2" }, _registry.DatasetIds(v1));
        foreach (var f in new[] { "adapter_config.json", "adapter_model.safetensors", "metadata.json", "loss-curve.svg", "dataset-ids.txt" })
            Assert.True(File.Exists(Path.Combine(v1.Path, f)), f);
    }

    [Fact]
    public void Leftovers_of_a_crash_are_not_versions_and_are_cleaned_up()
    {
        Add(promoted: true);
        Directory.CreateDirectory(Path.Combine(_registry.Root, ".tmp-0123"));
        Directory.CreateDirectory(Path.Combine(_registry.Root, "v0002"));          // no metadata: never renamed into place by us
        File.WriteAllText(Path.Combine(_registry.Root, "active.1234.tmp"), "v0002");
        Assert.Equal(["v0001"], _registry.List().Select(v => v.Name));
        _registry.CleanUpIncomplete();
        Assert.False(Directory.Exists(Path.Combine(_registry.Root, ".tmp-0123")));
        Assert.False(File.Exists(Path.Combine(_registry.Root, "active.1234.tmp")));
        Assert.Equal("v0003", Add(promoted: false).Name);                          // skips the foreign folder
    }

    [Fact]
    public void A_peft_folder_without_metadata_is_an_imported_version()
    {
        string v = Path.Combine(_registry.Root, "v0001");
        Directory.CreateDirectory(v);
        foreach (var f in new[] { PeftAdapterFiles.ConfigFile, PeftAdapterFiles.WeightsFile }) File.Copy(Path.Combine(_peft, f), Path.Combine(v, f));
        var imported = Assert.Single(_registry.List());
        Assert.True(imported.Metadata.Promoted);
        Assert.Equal("imported (no metadata.json)", imported.Metadata.Decision);
        _registry.SetActive("v0001", "demo", "seeded");
        Assert.Equal("v0002", Add(promoted: true).Name);
        _registry.SetActive("v0002", "t", "promoted");
        Assert.Equal("v0001", _registry.Rollback("t"));
    }

    [Fact]
    public void Activate_and_rollback_follow_promoted_versions_down_to_the_base_model()
    {
        Add(promoted: true); Add(promoted: false); Add(promoted: true);
        _registry.SetActive("v0003", "t", "promoted");
        Assert.Equal("v0003", File.ReadAllText(Path.Combine(_registry.Root, "active")).Trim());
        Assert.Equal("v0001", _registry.RollbackTarget());                        // v0002 was never promoted
        Assert.Equal("v0001", _registry.Rollback("t"));
        Assert.Null(_registry.Rollback("t"));
        Assert.Null(_registry.ActiveVersion);
        Assert.True(_registry.HasExplicitBaseModel);
        Assert.Throws<InvalidOperationException>(() => _registry.Rollback("t"));
        Assert.Throws<KeyNotFoundException>(() => _registry.SetActive("v0009", "t", "x"));
        Assert.Throws<ArgumentException>(() => _registry.VersionPath("../etc"));
        Assert.Equal(["v0003", "v0001", "none"], _registry.Activations().Select(a => a.Version));
    }

    [Fact]
    public void A_promotion_cut_between_the_rename_and_the_pointer_is_completed_on_restart()
    {
        Add(promoted: true);
        _registry.SetActive("v0001", "t", "promoted");
        Add(promoted: true);                                  // the process died before SetActive("v0002")
        Assert.Equal("v0002", _registry.CompleteInterruptedPromotion());
        Assert.Equal("v0002", _registry.ActiveVersion);
        Assert.Null(_registry.CompleteInterruptedPromotion());
        _registry.Rollback("t");                              // an operator's rollback is not undone
        Assert.Null(_registry.CompleteInterruptedPromotion());
        Assert.Equal("v0001", _registry.ActiveVersion);
    }

    [Fact]
    public void Only_one_holder_of_the_registry_lock_at_a_time()
    {
        using (var first = _registry.TryLock())
        {
            Assert.NotNull(first);
            Assert.Null(_registry.TryLock());
        }
        using var again = _registry.TryLock();
        Assert.NotNull(again);
    }
}
