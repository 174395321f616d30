using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Adapters;

/// <summary>The page's read model comes from the one registry type, and the one folder option.</summary>
public sealed class AdapterListingTests
{
    [Fact]
    public void A_missing_folder_is_an_empty_list()
    {
        var listing = new AdapterRegistry("/nonexistent/shawbot/adapters").Listing();
        Assert.Null(listing.Active);
        Assert.Empty(listing.Versions);
    }

    [Fact]
    public void Versions_are_listed_newest_first_with_loss_and_active_and_bad_files_are_tolerated()
    {
        using var folder = new TempFolder();
        var registry = new AdapterRegistry(folder.Path);
        string peft = folder.File("peft");
        Directory.CreateDirectory(peft);
        File.WriteAllText(Path.Combine(peft, "adapter_config.json"), "{}");
        File.WriteAllBytes(Path.Combine(peft, "adapter_model.safetensors"), [1, 2, 3]);
        string curve = folder.File("loss-curve.svg");
        File.WriteAllText(curve, "<svg/>");
        var created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        registry.AddVersion(peft, name => new AdapterMetadata { Version = name, CreatedAt = created, BaseModel = "tiny", DatasetHash = "h", EvalLoss = 2.5, Promoted = true }, [], [curve]);

        void Folder(string name, string? metadata)
        {
            var dir = Path.Combine(folder.Path, name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "adapter_config.json"), "{}");
            File.WriteAllBytes(Path.Combine(dir, "adapter_model.safetensors"), [1]);
            if (metadata is not null) File.WriteAllText(Path.Combine(dir, "metadata.json"), metadata);
        }

        Folder("v0002", "{ not json");                   // unreadable metadata: not a whole version, not listed
        Folder("v0003", null);                           // a PEFT folder put there by hand: imported, no eval loss
        // metadata.json exactly as the retrain job has written it since the registry exists (camelCase).
        Folder("v0010", """{"version": "v0010", "createdAt": "2026-02-01T00:00:00+00:00", "baseModel": "tiny-mistral", "datasetSize": 12, "datasetHash": "ab", "steps": 12, "finalTrainLoss": 1.9, "evalLoss": 1.75, "comparedWith": "v0001", "comparedEvalLoss": 2.5, "promoted": true, "lossCurve": "loss-curve.svg"}""");
        Directory.CreateDirectory(folder.File("checkpoints"));
        File.WriteAllText(folder.File("active"), "v0010\n");

        var listing = registry.Listing();
        Assert.Equal("v0010", listing.Active);
        Assert.Equal(["v0010", "v0003", "v0001"], listing.Versions.Select(v => v.Version));
        Assert.Equal([true, false, false], listing.Versions.Select(v => v.IsActive));
        Assert.Equal([true, true, true], listing.Versions.Select(v => v.HasWeights));
        Assert.Equal([false, false, true], listing.Versions.Select(v => v.HasLossCurve));
        Assert.Equal(1.75, listing.Versions[0].EvalLoss);
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), listing.Versions[0].CreatedAt);
        Assert.Equal("v0001", listing.Versions[0].Metadata["comparedWith"]);
        Assert.Null(listing.Versions[1].EvalLoss);
        Assert.Equal("imported (no metadata.json)", listing.Versions[1].Metadata["decision"]);
        Assert.False(listing.Versions[1].Metadata.ContainsKey("evalLoss"));
        Assert.Equal(2.5, listing.Versions[2].EvalLoss);
        Assert.Equal("2.5", listing.Versions[2].Metadata["evalLoss"]);
        Assert.Equal(created, listing.Versions[2].CreatedAt);
        Assert.Equal(Path.Combine(folder.Path, "v0001", "loss-curve.svg"), registry.LossCurvePath("v0001"));
        Assert.Null(registry.LossCurvePath("v0010"));
        Assert.Null(registry.LossCurvePath("v0002"));
        Assert.Null(registry.LossCurvePath("../v0001"));
        Assert.Null(registry.LossCurvePath("v0001/../../etc"));
    }

    [Fact]
    public void One_folder_option_and_the_deprecated_keys_still_read()
    {
        AdaptersOptions Bind(Dictionary<string, string?> settings)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            using var services = new ServiceCollection().AddLogging().AddShawBotAdapters(configuration).BuildServiceProvider();
            return services.GetRequiredService<IOptions<AdaptersOptions>>().Value;
        }

        Assert.Equal(("adapters", null), (Bind([]).Path, Bind([]).DeprecatedKeyUsed));
        var viaWeb = Bind(new() { ["ShawBot:Web:AdaptersPath"] = "/srv/a" });
        Assert.Equal(("/srv/a", "ShawBot:Web:AdaptersPath"), (viaWeb.Path, viaWeb.DeprecatedKeyUsed));
        var viaRetrain = Bind(new() { ["ShawBot:Retrain:AdaptersPath"] = "/srv/b", ["ShawBot:Web:AdaptersPath"] = "/srv/b" });
        Assert.Equal(("/srv/b", "ShawBot:Retrain:AdaptersPath"), (viaRetrain.Path, viaRetrain.DeprecatedKeyUsed));
        var current = Bind(new() { ["ShawBot:Adapters:Path"] = "/srv/c", ["ShawBot:Web:AdaptersPath"] = "/srv/old" });
        Assert.Equal(("/srv/c", null), (current.Path, current.DeprecatedKeyUsed));
        var e = Assert.Throws<OptionsValidationException>(() => Bind(new() { ["ShawBot:Retrain:AdaptersPath"] = "/srv/b", ["ShawBot:Web:AdaptersPath"] = "/srv/x" }));
        Assert.Contains("ShawBot:Retrain:AdaptersPath '/srv/b' and ShawBot:Web:AdaptersPath '/srv/x' name different folders", e.Message);
    }
}
