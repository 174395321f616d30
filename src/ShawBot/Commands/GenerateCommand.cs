using System.CommandLine;
using ShawBot.Core.Options;
using ShawBot.Core.Text;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Retrieval;
using ShawBot.Engine.Training;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;

namespace ShawBot.Cli.Commands;

/// <summary>`shawbot generate`: one reply to one comment, streamed, with load/prefill/decode speeds.</summary>
internal static class GenerateCommand
{
    private const string SignOff = DrafterOptions.DefaultSignOff;

    /// <summary>Tokens of context `generate` runs with.</summary>
    public const int ContextTokens = 4096;

    /// <summary>The plain message for a comment whose prompt does not fit the context; null when it fits.</summary>
    public static string? TooLong(int promptTokens, int contextTokens) => promptTokens < contextTokens ? null
        : $"the comment is too long: with the instructions it is {promptTokens} tokens, and the model's context holds {contextTokens - 1}; shorten the comment";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var prompts = CommonOptions.Prompts();
        var quantize = CommonOptions.Quantize();
        var doubleQuant = CommonOptions.DoubleQuant();
        var kernels = CommonOptions.Kernels("auto");
        var comment = new Option<string>("--comment") { Description = "the YouTube comment to reply to", Required = true };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "stop after this many tokens", DefaultValueFactory = _ => 200 };
        var temperature = new Option<float>("--temperature") { Description = "0 = greedy (default); > 0 samples", DefaultValueFactory = _ => 0f };
        var topK = new Option<int>("--top-k") { Description = "sample from the k most likely tokens (0 = all)", DefaultValueFactory = _ => 0 };
        var topP = new Option<float>("--top-p") { Description = "sample from the smallest set with this much probability", DefaultValueFactory = _ => 1f };
        var rep = new Option<float>("--repetition-penalty")
        {
            Description = "> 1 discourages repeating tokens (default: the service's, ShawBot:Engine:RepetitionPenalty)",
            DefaultValueFactory = _ => SamplingOptions.DraftRepetitionPenalty,
        };
        var seed = new Option<ulong>("--seed") { Description = "random seed for sampling", DefaultValueFactory = _ => 42UL };
        var raw = new Option<bool>("--raw") { Description = $"print the generation as is, without cutting after the sign-off ({SignOff})" };
        var voice = new VoiceMemoryCli();
        var examplesFrom = new Option<FileInfo?>("--examples-from") { Description = "voice memory: JSONL of {\"comment\", \"reply\"} to retrieve examples from for {examples} (its held-out lines are left out)" };
        var cmd = new Command("generate", "Draft a reply to one comment with a model (and optional LoRA adapter), printing the reply and the speed.")
        {
            model, adapter, comment, prompts, quantize, doubleQuant, maxNew, temperature, topK, topP, rep, seed, raw, kernels, voice.Count, voice.Budget, voice.CommentLanguage, examplesFrom,
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
            using var local = CommonOptions.LoadModel(pr, model, quantize, doubleQuant, adapter);
            var (llm, lora) = (local.Model, local.Adapter);
            var kernelMode = KernelModes.Parse(pr.GetValue(kernels));
            var generator = new TextGenerator(llm, local.Tokenizer, contextTokens: ContextTokens, kernelMode);
            // The prompt the service would draft from (markers neutralised, voice memory's examples when asked);
            // a comment that does not fit the context is refused with a plain message rather than cut.
            var replyPrompt = new ReplyPrompt(template, local.Tokenizer);
            var memory = pr.GetValue(examplesFrom) is { } pool
                ? new VoiceMemory(HeldOutSplit.Load(pool.FullName, DataPart.Train).Select(e => (e.Comment, e.Reply)), replyPrompt, voice.Options(pr)) : null;
            string commentText = pr.GetValue(comment)!;
            var slots = new PromptSlots(commentText, null, null, voice.LanguageOf(pr, template)?.Invoke(commentText));
            var prompt = replyPrompt.Build(VoiceMemory.Slots(memory, slots), int.MaxValue);
            if (TooLong(prompt.Ids.Length, generator.ContextTokens) is { } tooLong)
            {
                Console.Error.WriteLine($"error: {tooLong}");
                return Task.FromResult(1);
            }

            bool cut = !pr.GetValue(raw);
            var result = generator.Generate(prompt.Ids, sampling, lora, cut ? null : Console.Write, ct);
            string text = !cut ? result.Text
                : ReplyText.Finish(result.TextWithStop, SignOff, 10_000);
            if (cut) Console.Write(text);
            Console.WriteLine();
            Console.Error.WriteLine(
                $"load {local.LoadTime.TotalSeconds:0.00} s ({llm.SizeInBytes / 1e6:0.0} MB of weights) · prefill {result.PromptTokens} tokens at {result.PrefillTokensPerSecond:0.0} tok/s · "
                + $"decode {result.Tokens.Length} tokens at {result.DecodeTokensPerSecond:0.0} tok/s · stop: {result.StopReason}"
                + (lora != null ? $" · adapter {lora.Version}" : "")
                + (WeightFormatNames.Parse(pr.GetValue(quantize)!) != WeightFormat.Float32 ? $" · {kernelMode.Name()} kernels" : ""));
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
