using System.CommandLine;
using System.Globalization;
using ShawBot.Engine.Generation;
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
        var voice = new VoiceMemoryCli();
        var cmd = new Command("eval", "Mean loss per reply token and perplexity of a model, with or without an adapter, on a dataset.")
        {
            model, adapter, data, prompts, quantize, doubleQuant, kernels, maxLen,
        };
        foreach (var o in voice.All) cmd.Options.Add(o);
        cmd.SetAction((pr, ct) => CommonOptions.Guard(() =>
        {
            using var local = CommonOptions.LoadModel(pr, model, quantize, doubleQuant, adapter);
            var lora = local.Adapter;
            var options = new TrainOptions { MaxLength = pr.GetValue(maxLen), Lora = lora?.Config ?? new TrainOptions().Lora, VoiceMemory = voice.Options(pr) };
            // Trainer.Encode builds each example with ReplyPrompt: the prompts eval scores are the ones the service drafts from.
            var template = CommonOptions.LoadPrompts(pr.GetValue(prompts));
            var trainer = new Trainer(local.Model, local.Tokenizer, template, options);
            string path = pr.GetValue(data)!.FullName;
            var part = voice.Part(pr);
            var examples = voice.Load(pr, path, part, template);
            // Voice memory retrieves from what training saw: the training lines for --split held-out, else the evaluated lines (leave-one-out).
            var memory = trainer.MemoryOf(part == DataPart.HeldOut ? voice.Load(pr, path, DataPart.Train, template) : examples);
            var encoded = trainer.Encode(examples, memory);
            if (pr.GetValue(kernels) == "fast")
            {
                // The fast kernels run at inference only: score with both modes side by side (same sequences, same adapter).
                var r = KernelComparison.Compare(local.Model, encoded.Select(e => (e.Ids, e.PromptLength)).ToList(), lora, ct);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"examples\": {examples.Count}, \"kernels\": \"fast\", \"loss\": {r.LossFast:0.00000}, \"perplexity\": {Math.Exp(r.LossFast):0.000}, \"loss_exact\": {r.LossExact:0.00000}, "
                    + $"\"loss_change\": {r.LossFast / r.LossExact - 1:+0.000%;-0.000%}, \"top1_agreement\": {r.Top1Agreement:0.0000}, \"positions\": {r.Positions}, \"adapter\": \"{lora?.Version ?? "none"}\"}}"));
                return Task.FromResult(0);
            }
            double loss = trainer.Evaluate(lora, encoded, ct);
            Console.WriteLine($"{{\"examples\": {examples.Count}, \"reply_tokens\": {encoded.Sum(e => e.Ids.Length - e.PromptLength)}, \"voice_memory\": {(memory is null ? "false" : "true")}, \"loss\": {loss:0.00000}, \"perplexity\": {Math.Exp(loss):0.000}, \"adapter\": \"{lora?.Version ?? "none"}\"}}");
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
