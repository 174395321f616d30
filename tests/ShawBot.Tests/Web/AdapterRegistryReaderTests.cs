using Microsoft.Extensions.Options;
using ShawBot.Infrastructure.Web;
using ShawBot.Tests.Support;

namespace ShawBot.Tests.Web;

public sealed class AdapterRegistryReaderTests
{
    [Fact]
    public void A_missing_folder_is_an_empty_list()
    {
        var reader = new AdapterRegistryReader(Options.Create(new WebOptions { AdaptersPath = "/nonexistent/shawbot/adapters" }));
        var listing = reader.List();
        Assert.Null(listing.Active);
        Assert.Empty(listing.Versions);
    }

    [Fact]
    public void Versions_are_listed_newest_first_with_loss_and_active_and_bad_files_are_tolerated()
    {
        using var folder = new TempFolder();
        void Version(string name, string? metadata, bool curve)
        {
            var dir = Path.Combine(folder.Path, name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "adapter_config.json"), "{}");
            if (metadata is not null) File.WriteAllText(Path.Combine(dir, "metadata.json"), metadata);
            if (curve) File.WriteAllText(Path.Combine(dir, "loss-curve.svg"), "<svg/>");
        }

        Version("v0001", """{"eval_loss": 2.5, "created_at": "2026-01-02T03:04:05Z", "notes": {"nested": true}}""", curve: true);
        Version("v0010", """{"evalLoss": 1.75}""", curve: false);
        Version("v0002", "{ not json", curve: true);
        Version("checkpoints", "{}", curve: false);
        File.WriteAllText(Path.Combine(folder.Path, "active"), "v0010\n");

        var reader = new AdapterRegistryReader(Options.Create(new WebOptions { AdaptersPath = folder.Path }));
        var listing = reader.List();
        Assert.Equal("v0010", listing.Active);
        Assert.Equal(["v0010", "v0002", "v0001"], listing.Versions.Select(v => v.Version));
        Assert.True(listing.Versions[0].IsActive);
        Assert.Equal(1.75, listing.Versions[0].EvalLoss);
        Assert.Null(listing.Versions[1].EvalLoss);
        Assert.Empty(listing.Versions[1].Metadata);
        Assert.Equal(2.5, listing.Versions[2].EvalLoss);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), listing.Versions[2].CreatedAt);
        Assert.False(listing.Versions[2].Metadata.ContainsKey("notes"));
        Assert.NotNull(reader.LossCurvePath("v0001"));
        Assert.Null(reader.LossCurvePath("v0010"));
        Assert.Null(reader.LossCurvePath("../v0001"));
        Assert.Null(reader.LossCurvePath("v0001/../../etc"));
    }
}
