using System.CommandLine;
using System.Diagnostics;
using ShawBot.Core.Text;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Cli.Commands;

/// <summary>`shawbot generate`: one reply to one comment, streamed, with load/prefill/decode speeds.</summary>
internal static class GenerateCommand
{
    public const string SignOff = "–ShawGPT";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var prompts = CommonOptions.Prompts();
        var quantize = CommonOptions.Quantize();
        var doubleQuant = CommonOptions.DoubleQuant();
        var kernels = CommonOptions.Kernels("fast");
        var comment = new Option<string>("--comment") { Description = "the YouTube comment to reply to", Required = true };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "stop after this many tokens", DefaultValueFactory = _ => 200 };
        var temperature = new Option<float>("--temperature") { Description = "0 = greedy (default); > 0 samples", DefaultValueFactory = _ => 0f };
        var topK = new Option<int>("--top-k") { Description = "sample from the k most likely tokens (0 = all)", DefaultValueFactory = _ => 0 };
        var topP = new Option<float>("--top-p") { Description = "sample from the smallest set with this much probability", DefaultValueFactory = _ => 1f };
        var rep = new Option<float>("--repetition-penalty") { Description = "> 1 discourages repeating tokens", DefaultValueFactory = _ => 1f };
        var seed = new Option<ulong>("--seed") { Description = "random seed for sampling", DefaultValueFactory = _ => 42UL };
        var raw = new Option<bool>("--raw") { Description = $"print the generation as is, without cutting after the sign-off ({SignOff})" };
        var cmd = new Command("generate", "Draft a reply to one comment with a model (and optional LoRA adapter), printing the reply and the speed.")
        {
            model, adapter, comment, prompts, quantize, doubleQuant, kernels, maxNew, temperature, topK, topP, rep, seed, raw,
        };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(() =>
        {
            var template = CommonOptions.LoadPrompts(pr.GetValue(prompts));
            var sampling = new SamplingOptions
            {
                Temperature = pr.GetValue(temperature), TopK = pr.GetValue(topK), TopP = pr.GetValue(topP),
                RepetitionPenalty = pr.GetValue(rep), Seed = pr.GetValue(seed), MaxNewTokens = pr.GetValue(maxNew),
                StopStrings = pr.GetValue(raw) ? [] : [SignOff],
            };
            sampling.Validate();
            var sw = Stopwatch.StartNew();
            string dir = pr.GetValue(model)!.FullName;
            using var llm = ModelLoader.Load(dir, new ModelLoadOptions { Quantize = CommonOptions.ParseFormat(pr.GetValue(quantize)), DoubleQuant = pr.GetValue(doubleQuant) });
            var tokenizer = TokenizerLoader.Load(dir);
            LoraAdapter? lora = pr.GetValue(adapter) is { } a ? PeftAdapterFiles.Load(a.FullName, llm.Config) : null;
            double loadSeconds = sw.Elapsed.TotalSeconds;
            var generator = new TextGenerator(llm, tokenizer, contextTokens: 4096, KernelModes.Parse(pr.GetValue(kernels)));
            int[] prompt = template.EncodePrompt(tokenizer, pr.GetValue(comment)!);
            bool cut = !pr.GetValue(raw);
            var result = generator.Generate(prompt, sampling, lora, cut ? null : Console.Write, ct);
            string text = !cut ? result.Text
                : ReplyText.Finish(result.TextWithStop, SignOff, 10_000);
            if (cut) Console.Write(text);
            Console.WriteLine();
            Console.Error.WriteLine(
                $"load {loadSeconds:0.00} s ({llm.SizeInBytes / 1e6:0.0} MB of weights) · prefill {result.PromptTokens} tokens at {result.PrefillTokensPerSecond:0.0} tok/s · "
                + $"decode {result.Tokens.Length} tokens at {result.DecodeTokensPerSecond:0.0} tok/s · stop: {result.StopReason}"
                + (lora != null ? $" · adapter {lora.Version}" : ""));
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
