using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Generation;

/// <summary>The one loader of model + tokenizer + adapter, and the one parser of weight-format names.</summary>
public class LocalModelTests
{
    private static readonly string Folder = Path.Combine(TestPaths.RepoRoot, "models", "tiny-shawbot");

    [Theory]
    [InlineData("none", WeightFormat.Float32)]
    [InlineData("nf4", WeightFormat.Nf4)]
    [InlineData("fp4", WeightFormat.Fp4)]
    public void Weight_format_names_round_trip(string name, WeightFormat format)
    {
        Assert.Equal(format, WeightFormatNames.Parse(name));
        Assert.Equal(name, WeightFormatNames.Name(format));
        Assert.Contains(name, WeightFormatNames.All);
    }

    [Fact]
    public void An_unknown_weight_format_names_itself_and_the_accepted_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => WeightFormatNames.Parse("int8"));
        Assert.StartsWith("weight format 'int8' is not one of none, nf4, fp4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loads_what_the_separate_loaders_load_and_names_the_format()
    {
        using var local = LocalModel.Load(new LocalModelSpec(Folder, "nf4", DoubleQuant: true, AdapterPath: Path.Combine(Folder, "adapter")));
        using var direct = ModelLoader.Load(Folder, new ModelLoadOptions { Quantize = WeightFormat.Nf4, DoubleQuant = true });
        Assert.Equal("tiny-shawbot-nf4", local.Name);
        Assert.Equal(direct.SizeInBytes, local.Model.SizeInBytes);
        Assert.Equal(TokenizerLoader.Load(Folder).Encode("Great video, thanks!"), local.Tokenizer.Encode("Great video, thanks!"));
        var adapter = PeftAdapterFiles.Load(Path.Combine(Folder, "adapter"), direct.Config);
        Assert.Equal(adapter.Version, local.Adapter!.Version);
        Assert.Equal("adapter", local.Adapter.Version);
        Assert.Equal(adapter.Config.Rank, local.Adapter.Config.Rank);
        using var plain = LocalModel.Load(new LocalModelSpec(Folder + Path.DirectorySeparatorChar));
        Assert.Equal(("tiny-shawbot", (LoraAdapter?)null), (plain.Name, plain.Adapter));
        Assert.Throws<DirectoryNotFoundException>(() => LocalModel.Load(new LocalModelSpec(Path.Combine(Folder, "missing"))));
    }
}
