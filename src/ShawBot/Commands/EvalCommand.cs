using System.CommandLine;
using System.Globalization;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;
using ShawBot.Engine.Training;

namespace ShawBot.Cli.Commands;

/// <summary>`shawbot eval`: loss and perplexity of a model (+ adapter) on comment → reply pairs.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var prompts = CommonOptions.Prompts();
        var quantize = CommonOptions.Quantize();
        var doubleQuant = CommonOptions.DoubleQuant();
        var kernels = CommonOptions.Kernels("exact");
        var data = new Option<FileInfo>("--data") { Description = "JSONL file of {\"comment\": ..., \"reply\": ...} pairs", Required = true };
        var maxLen = new Option<int>("--max-length") { DefaultValueFactory = _ => 512, Description = "truncate examples to this many tokens, keeping the reply" };
        var cmd = new Command("eval", "Mean loss per reply token and perplexity of a model, with or without an adapter, on a dataset.")
        {
            model, adapter, data, prompts, quantize, doubleQuant, kernels, maxLen,
        };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(() =>
        {
            string dir = pr.GetValue(model)!.FullName;
            using var llm = ModelLoader.Load(dir, new ModelLoadOptions { Quantize = CommonOptions.ParseFormat(pr.GetValue(quantize)), DoubleQuant = pr.GetValue(doubleQuant) });
            var tokenizer = TokenizerLoader.Load(dir);
            LoraAdapter? lora = pr.GetValue(adapter) is { } a ? PeftAdapterFiles.Load(a.FullName, llm.Config) : null;
            var options = new TrainOptions { MaxLength = pr.GetValue(maxLen), Lora = lora?.Config ?? new TrainOptions().Lora };
            var trainer = new Trainer(llm, tokenizer, CommonOptions.LoadPrompts(pr.GetValue(prompts)), options);
            var examples = ReplyDataset.LoadJsonl(pr.GetValue(data)!.FullName);
            var encoded = trainer.Encode(examples);
            if (pr.GetValue(kernels) == "fast")
            {
                // The fast kernels run at inference only: score with both modes side by side (same sequences, same adapter).
                var r = KernelComparison.Compare(llm, encoded.Select(e => (e.Ids, e.PromptLength)).ToList(), lora, ct);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"examples\": {examples.Count}, \"kernels\": \"fast\", \"loss\": {r.LossFast:0.00000}, \"perplexity\": {Math.Exp(r.LossFast):0.000}, \"loss_exact\": {r.LossExact:0.00000}, "
                    + $"\"loss_change\": {r.LossFast / r.LossExact - 1:+0.000%;-0.000%}, \"top1_agreement\": {r.Top1Agreement:0.0000}, \"positions\": {r.Positions}, \"adapter\": \"{lora?.Version ?? "none"}\"}}"));
                return Task.FromResult(0);
            }
            double loss = trainer.Evaluate(lora, encoded, ct);
            Console.WriteLine($"{{\"examples\": {examples.Count}, \"loss\": {loss:0.00000}, \"perplexity\": {Math.Exp(loss):0.000}, \"adapter\": \"{lora?.Version ?? "none"}\"}}");
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
