using System.CommandLine;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Reporting;
using Spectre.Console;

namespace ShawBot.Cli.Commands;

/// <summary>`shawbot pretrain`: train a small Llama-architecture model from scratch (full mode) and write a Hugging Face folder.</summary>
internal static class PretrainCommand
{
    private static readonly string[] TokenizerFiles = ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"];

    public static Command Create()
    {
        var tokenizerDir = new Option<DirectoryInfo>("--tokenizer") { Description = "folder with tokenizer.json or tokenizer.model (copied into --out)", Required = true };
        var pairs = new Option<FileInfo[]>("--pairs") { Description = "JSONL comment/reply files, rendered with the prompts/ template", AllowMultipleArgumentsPerToken = true };
        var text = new Option<FileInfo[]>("--text") { Description = "plain-text corpus files (one paragraph a line)", AllowMultipleArgumentsPerToken = true };
        var repeat = new Option<int>("--pairs-repeat") { DefaultValueFactory = _ => 1, Description = "how many times the --pairs examples appear in the stream (weights them against --text)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "output model folder", Required = true };
        var prompts = CommonOptions.Prompts();
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => 128, Description = "hidden size" };
        var inter = new Option<int>("--intermediate") { DefaultValueFactory = _ => 352, Description = "MLP size" };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 4, Description = "decoder layers" };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => 4, Description = "attention heads" };
        var kvHeads = new Option<int>("--kv-heads") { DefaultValueFactory = _ => 2, Description = "key/value heads (grouped-query attention)" };
        var seqLen = new Option<int>("--seq-len") { DefaultValueFactory = _ => 128, Description = "tokens per training sequence" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 16, Description = "sequences per step" };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 1500, Description = "optimizer steps" };
        var lr = new Option<float>("--lr") { DefaultValueFactory = _ => 3e-3f, Description = "peak learning rate (warmup, then cosine)" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 1UL, Description = "seed for weights and batches" };
        var split = new Option<DataPart>("--pairs-split") { DefaultValueFactory = _ => DataPart.Train, Description = "which lines of each --pairs file to use: train (all but every 10th line, the held-out split eval reports on), heldout, or all" };
        var checkpoint = new Option<FileInfo?>("--checkpoint") { Description = "resumable checkpoint file (default: <out>.ckpt); an interrupted run started again with the same options continues from it" };
        var init = new Option<DirectoryInfo?>("--init") { Description = "continue training a model folder (e.g. an earlier pretrain's --out) instead of starting from random weights; its config.json sets the shape, so --hidden, --intermediate, --layers, --heads and --kv-heads must not be given" };
        var checkpointEvery = new Option<int>("--checkpoint-every") { DefaultValueFactory = _ => 50, Description = "steps between checkpoints" };
        var voice = new VoiceMemoryCli();
        var cmd = new Command("pretrain", "Train a small Llama-architecture model from scratch on text and comment/reply pairs; writes a Hugging Face model folder (BF16).")
        {
            tokenizerDir, pairs, repeat, split, text, output, prompts, hidden, inter, layers, heads, kvHeads, seqLen, batch, steps, lr, seed, init, checkpoint, checkpointEvery, voice.CommentLanguage,
        };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(() =>
        {
            // Checked before the corpus is tokenized (tens of seconds on a full corpus).
            var initDir = pr.GetValue(init);
            if (initDir is not null)
            {
                var shapeOptions = new Option[] { hidden, inter, layers, heads, kvHeads }.Where(o => pr.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (shapeOptions.Count > 0)
                    throw new ArgumentException($"--init {initDir.FullName} takes the model's shape from its config.json; drop {string.Join(", ", shapeOptions)}");
                if (!File.Exists(Path.Combine(initDir.FullName, "config.json")))
                    throw new ArgumentException($"--init {initDir.FullName}: no config.json there (expected a model folder written by pretrain)");
            }
            var tok = TokenizerLoader.Load(pr.GetValue(tokenizerDir)!.FullName);
            var templates = CommonOptions.LoadPrompts(pr.GetValue(prompts));
            var prompt = new ReplyPrompt(templates, tok);
            var stream = new List<int>();
            var pairIds = new List<int[]>();
            foreach (var f in pr.GetValue(pairs) ?? [])
                foreach (var e in voice.Load(pr, f.FullName, pr.GetValue(split), templates))
                    pairIds.Add(prompt.BuildExample(e.Slots(), e.Reply).Ids); // the prompt train, eval and drafting build
            for (int r = 0; r < Math.Max(1, pr.GetValue(repeat)); r++)
                foreach (var ids in pairIds) stream.AddRange(ids);
            foreach (var f in pr.GetValue(text) ?? [])
                foreach (var line in File.ReadLines(f.FullName))
                    if (!string.IsNullOrWhiteSpace(line)) { stream.AddRange(tok.Encode(line.Trim())); stream.Add(tok.EosId); }
            if (stream.Count == 0) throw new ArgumentException("no training text: give --pairs and/or --text");
            int h = pr.GetValue(hidden), nh = pr.GetValue(heads);
            var config = ModelConfig.Parse($$"""
                {"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":{{h}},"intermediate_size":{{pr.GetValue(inter)}},
                 "num_hidden_layers":{{pr.GetValue(layers)}},"num_attention_heads":{{nh}},"num_key_value_heads":{{pr.GetValue(kvHeads)}},
                 "vocab_size":{{tok.VocabSize}},"max_position_embeddings":2048,"rms_norm_eps":1e-5,"rope_theta":10000.0,
                 "tie_word_embeddings":true,"hidden_act":"silu","bos_token_id":{{tok.BosId}},"eos_token_id":{{tok.EosId}},"torch_dtype":"bfloat16"}
                """, "pretrain options");
            var options = new PretrainOptions
            {
                SequenceLength = pr.GetValue(seqLen), BatchSize = pr.GetValue(batch), Steps = pr.GetValue(steps),
                LearningRate = pr.GetValue(lr), Seed = pr.GetValue(seed), WarmupSteps = Math.Min(100, pr.GetValue(steps) / 10),
                CheckpointPath = pr.GetValue(checkpoint)?.FullName ?? pr.GetValue(output)!.FullName.TrimEnd('/') + ".ckpt",
                CheckpointEvery = pr.GetValue(checkpointEvery),
            };
            if (File.Exists(options.CheckpointPath)) AnsiConsole.MarkupLine($"[grey]resuming from {Markup.Escape(options.CheckpointPath)}[/]");
            using var model = initDir is null ? FullModel.CreateRandom(config, options.Seed) : FullModel.LoadTrainable(initDir.FullName);
            if (model.Config.VocabSize != tok.VocabSize)
                throw new ArgumentException($"--init {initDir!.FullName} has vocab_size {model.Config.VocabSize} but the tokenizer in {pr.GetValue(tokenizerDir)!.FullName} has {tok.VocabSize}");
            AnsiConsole.MarkupLine($"[grey]{stream.Count:N0} tokens · {model.SizeInBytes / 4e6:0.0}M parameters · {options.Steps} steps of {options.BatchSize}×{options.SequenceLength}[/]");
            List<double> losses = [];
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("pretraining", maxValue: options.Steps);
                    losses = Pretrainer.Run(model, stream, options, new InlineProgress(p =>
                    {
                        task.Value = p.Step;
                        task.Description = $"step {p.Step} · loss {p.TrainLoss:0.000} · {p.TokensPerSecond:0} tok/s";
                    }), ct);
                });
            string outDir = pr.GetValue(output)!.FullName;
            string tmp = outDir + ".tmp";
            if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
            FullModel.Save(model, tmp, bf16: true);
            foreach (var name in TokenizerFiles)
            {
                string src = Path.Combine(pr.GetValue(tokenizerDir)!.FullName, name);
                if (File.Exists(src)) File.Copy(src, Path.Combine(tmp, name));
            }
            File.WriteAllText(Path.Combine(tmp, "generation_config.json"),
                $"{{\n  \"bos_token_id\": {tok.BosId},\n  \"eos_token_id\": {tok.EosId},\n  \"do_sample\": false,\n  \"max_new_tokens\": 200\n}}\n");
            File.WriteAllText(Path.Combine(tmp, "pretrain-loss.svg"), LossCurvePlot.RenderSvg(new LossCurve(losses, [], Math.Max(1, options.Steps))));
            if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
            Directory.Move(tmp, outDir);
            File.Delete(options.CheckpointPath);
            AnsiConsole.MarkupLine($"[green]done[/]: loss {losses[0]:0.000} → {losses[^1]:0.000} → {Markup.Escape(outDir)}");
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
