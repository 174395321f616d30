using System.Globalization;
using System.Text.Json;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Bench;

/// <summary>
/// `drafts [MODEL_DIR]`: greedy drafts of every comment in data/demo-comments.jsonl with the model loaded
/// NF4 + double quant and its adapter/ (default models/tiny-shawbot, as the demo drafts), once with the
/// exact and once with the fast kernels; prints how many drafts are identical and the first that differ.
/// Run from the repository root.
/// </summary>
internal static class DraftsBench
{
    public static void Run(string folder)
    {
        using var model = ModelLoader.Load(folder, new ModelLoadOptions { Quantize = WeightFormat.Nf4, DoubleQuant = true });
        var tokenizer = TokenizerLoader.Load(folder);
        var adapter = PeftAdapterFiles.Load(Path.Combine(folder, "adapter"), model.Config);
        var template = PromptTemplate.Load("prompts");
        var comments = File.ReadLines(Path.Combine("data", "demo-comments.jsonl")).Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToList();
        var options = new SamplingOptions { MaxNewTokens = 96, MinNewTokens = 2, StopStrings = ["–ShawGPT"], RepetitionPenalty = 1.1f };
        var exact = new TextGenerator(model, tokenizer, 1024, KernelMode.Exact);
        var fast = new TextGenerator(model, tokenizer, 1024, KernelMode.Fast);
        var replyPrompt = new ReplyPrompt(template, tokenizer);   // the drafting prompt, as the service builds it
        int same = 0, firstDiff = -1;
        foreach (var (c, i) in comments.Select((c, i) => (c, i)))
        {
            int[] prompt = replyPrompt.Build(new PromptSlots(c), 900).Ids;
            bool equal = exact.Generate(prompt, options, adapter).Tokens.AsSpan().SequenceEqual(fast.Generate(prompt, options, adapter).Tokens);
            if (equal) same++; else if (firstDiff < 0) firstDiff = i;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"figure\":\"drafts\",\"model\":\"{Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'))}\",\"comments\":{comments.Count},\"identical_fast_vs_exact\":{same},\"first_different\":{firstDiff}}}"));
    }
}
