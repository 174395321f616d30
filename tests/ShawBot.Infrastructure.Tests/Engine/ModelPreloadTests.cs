using Microsoft.Extensions.Logging.Abstractions;
using ShawBot.Engine.Generation;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Tests.Pipeline;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Engine;

/// <summary>A load started before the host (the demo's) is the one the engine uses, and only when it is the same load.</summary>
public sealed class ModelPreloadTests : IDisposable
{
    private static readonly SamplingOptions Greedy = new() { Temperature = 0, MaxNewTokens = 12, MinNewTokens = 12 };
    private static readonly int[] Prompt = [1, 72, 101, 108, 108, 111, 33];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private LanguageModel Model(string path, string quantize = "none", ModelPreload? preload = null) =>
        new(Microsoft.Extensions.Options.Options.Create(new EngineOptions { ModelPath = path, Quantize = quantize, PromptsPath = Path.Combine(RepoPaths.Root, "prompts") }),
            NullLogger<LanguageModel>.Instance, startup: null, preload);

    [Fact]
    public void The_engine_takes_a_matching_preload_and_drafts_what_its_own_load_drafts()
    {
        string path = EngineEndToEndTests.TinyModelWithTokenizer(_folder.File("tiny"));
        using var preload = ModelPreload.Start(new LocalModelSpec(path + Path.DirectorySeparatorChar));
        using var preloaded = Model(path, preload: preload);
        using var own = Model(path);

        var a = preloaded.Generator.Generate(Prompt, Greedy);
        var b = own.Generator.Generate(Prompt, Greedy);

        Assert.Equal(12, a.Tokens.Length);
        Assert.Equal(b.Tokens, a.Tokens);
        Assert.Equal(b.Text, a.Text);
        // Taken once: the engine owns that model now, nobody else gets it.
        Assert.Null(preload.Take(new LocalModelSpec(path)));
    }

    [Fact]
    public void A_preload_of_another_format_is_left_alone_and_the_engine_loads_its_own()
    {
        string path = EngineEndToEndTests.TinyModelWithTokenizer(_folder.File("tiny"));
        using var preload = ModelPreload.Start(new LocalModelSpec(path, "nf4"));
        using var engine = Model(path, "none", preload);

        Assert.Equal("tiny", engine.Name);
        using var nf4 = preload.Take(new LocalModelSpec(path, "NF4"));
        Assert.NotNull(nf4);
        Assert.Equal("tiny-nf4", nf4.Name);
        using var reference = LocalModel.Load(new LocalModelSpec(path, "nf4"));
        Assert.Equal(reference.Model.SizeInBytes, nf4.Model.SizeInBytes);
        Assert.True(nf4.Model.SizeInBytes < engine.Model.SizeInBytes / 2, $"NF4 {nf4.Model.SizeInBytes} B vs fp32 {engine.Model.SizeInBytes} B");
    }

    [Fact]
    public void A_failed_preload_fails_the_engine_with_the_load_s_own_error()
    {
        string path = _folder.File("empty");
        Directory.CreateDirectory(path);
        using var preload = ModelPreload.Start(new LocalModelSpec(path));
        using var engine = Model(path, preload: preload);
        using var alone = Model(path);

        var withPreload = Assert.ThrowsAny<Exception>(() => engine.Model);
        var without = Assert.ThrowsAny<Exception>(() => alone.Model);
        Assert.Equal(without.GetType(), withPreload.GetType());
        Assert.Equal(without.Message, withPreload.Message);
        Assert.Contains("config.json", withPreload.Message, StringComparison.Ordinal);
    }
}
