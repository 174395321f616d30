using ShawBot.Cli.Commands;
using ShawBot.Engine.IO;
using ShawBot.Tests.Support;

namespace ShawBot.Tests.Commands;

/// <summary>`pretrain --init` continues an earlier pretrain's model (the embedded model's second stage) instead of a random one.</summary>
public sealed class PretrainCommandTests
{
    private static readonly string Tokenizer = Path.Combine(RepoPaths.Root, "..", "shared", "fixtures", "mistral-7b-v0.1-tokenizer");

    private static int Pretrain(string args) => PretrainCommand.Create().Parse($"--tokenizer {Tokenizer} --prompts {RepoPaths.Prompts} {args}").Invoke();

    private static Dictionary<string, float[]> Weights(string folder)
    {
        using var ck = SafetensorsCheckpoint.Open(folder);
        return ck.TensorNames.ToDictionary(n => n, n =>
        {
            var entry = ck.GetEntry(n);
            var values = new float[entry.Shape.Aggregate(1L, (a, b) => a * b)];
            ck.ReadFloat32(n, values);
            return values;
        });
    }

    [Fact]
    public void Init_continues_the_given_model_and_refuses_shape_options()
    {
        using var folder = new TempFolder();
        var text = folder.File("corpus.txt");
        File.WriteAllLines(text, Enumerable.Range(0, 40).Select(i => $"Paragraph {i}: the model reads plain text, one paragraph a line, and predicts the next token."));
        string first = folder.File("first"), second = folder.File("second"), third = folder.File("third");
        const string shape = "--hidden 16 --intermediate 32 --layers 1 --heads 2 --kv-heads 1 --seq-len 16 --batch-size 2";
        Assert.Equal(0, Pretrain($"--text {text} --out {first} {shape} --steps 3 --lr 1e-2 --seed 5"));

        // A learning rate of 0 leaves every weight where --init put it: the output is the first model, bit for bit.
        Assert.Equal(0, Pretrain($"--text {text} --init {first} --out {second} --seq-len 16 --batch-size 2 --steps 2 --lr 0 --seed 6"));
        var a = Weights(first);
        var b = Weights(second);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, values) in a) Assert.Equal(values, b[name]);

        // A fresh model with the same seed differs (so the equality above is not an accident of seeding).
        Assert.Equal(0, Pretrain($"--text {text} --out {third} {shape} --steps 2 --lr 0 --seed 6"));
        Assert.NotEqual(a["model.embed_tokens.weight"], Weights(third)["model.embed_tokens.weight"]);

        // Shape options conflict with --init's config.json: refused, naming them.
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try { Assert.Equal(1, Pretrain($"--text {text} --init {first} --out {folder.File("fourth")} --hidden 32 --layers 2 --steps 1")); }
        finally { Console.SetError(saved); }
        Assert.Contains("drop --hidden, --layers", error.ToString());
        Assert.False(Directory.Exists(folder.File("fourth")));
    }
}
