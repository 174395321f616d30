using System.CommandLine;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Reporting;
using Spectre.Console;

namespace ShawBot.Cli.Commands;

/// <summary>`shawbot train`: fit a LoRA adapter on comment → reply pairs (QLoRA with --quantize nf4).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var prompts = CommonOptions.Prompts();
        var quantize = CommonOptions.Quantize();
        var doubleQuant = CommonOptions.DoubleQuant();
        var data = new Option<FileInfo>("--data") { Description = "JSONL file of {\"comment\": ..., \"reply\": ...} pairs", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "output folder: the best adapter (PEFT layout), loss-curve.json/.svg/.png, metrics.json, checkpoint/ to resume", Required = true };
        var rank = new Option<int>("--rank") { Description = "LoRA rank r", DefaultValueFactory = _ => 8 };
        var alpha = new Option<double>("--alpha") { Description = "LoRA alpha (scaling = alpha / r)", DefaultValueFactory = _ => 32 };
        var targets = new Option<string>("--targets") { Description = "comma-separated modules (q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj) or all-linear", DefaultValueFactory = _ => "q_proj" };
        var dropout = new Option<double>("--dropout") { Description = "dropout on the adapter input", DefaultValueFactory = _ => 0.05 };
        var rslora = new Option<bool>("--rslora") { Description = "scale by alpha / sqrt(r) (rsLoRA)" };
        var lr = new Option<float>("--lr") { Description = "peak learning rate", DefaultValueFactory = _ => 2e-4f };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 10, Description = "passes over the training split" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 4, Description = "examples per micro-batch" };
        var accum = new Option<int>("--grad-accum") { DefaultValueFactory = _ => 4, Description = "micro-batches per optimizer step" };
        var warmup = new Option<int>("--warmup-steps") { DefaultValueFactory = _ => 2, Description = "linear warmup steps" };
        var schedule = new Option<string>("--schedule") { DefaultValueFactory = _ => "constant", Description = "after warmup: constant, cosine or linear" }.AcceptOnlyFromAmong("constant", "cosine", "linear");
        var wd = new Option<float>("--weight-decay") { DefaultValueFactory = _ => 0.01f, Description = "AdamW decoupled weight decay" };
        var adam8 = new Option<bool>("--adam-8bit") { DefaultValueFactory = _ => true, Description = "8-bit blockwise optimizer states (paged_adamw_8bit's scheme); false = fp32 states" };
        var maxLen = new Option<int>("--max-length") { DefaultValueFactory = _ => 512, Description = "truncate examples to this many tokens, keeping the reply" };
        var evalFrac = new Option<double>("--eval-fraction") { DefaultValueFactory = _ => 0.1, Description = "share of examples held out for evaluation (split by comment)" };
        var allTokens = new Option<bool>("--train-on-prompt") { Description = "take the loss on the prompt too, not only the reply" };
        var noCkpt = new Option<bool>("--no-gradient-checkpointing") { Description = "keep all activations (faster, more memory)" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 42UL, Description = "seed for initialisation, shuffling and dropout" };
        var voice = new VoiceMemoryCli();
        var maxSteps = new Option<int>("--max-steps") { DefaultValueFactory = _ => 0, Description = "stop after this many optimizer steps (0 = all epochs)" };
        var budget = new Option<TimeSpan>("--time-budget") { DefaultValueFactory = _ => TimeSpan.Zero, Description = "stop in time with the best adapter (hh:mm:ss; 0 = run every epoch); the same command resumes the plan" };
        var warm = new Option<DirectoryInfo?>("--warm-start") { Description = "a PEFT adapter folder to continue from (its rank and targets are used)" };
        var noShare = new Option<bool>("--no-shared-prefix") { Description = "run every example's prompt in full (the same result, slower; for comparison)" };
        var cmd = new Command("train", "Fine-tune a LoRA adapter on comment/reply pairs (QLoRA with --quantize nf4). Ctrl+C saves a checkpoint; running the same command again resumes it.")
        {
            model, data, output, prompts, quantize, doubleQuant, rank, alpha, targets, dropout, rslora, lr, epochs, batch, accum, warmup, schedule, wd, adam8,
            maxLen, evalFrac, allTokens, noCkpt, seed, maxSteps, budget, warm, noShare,
        };
        foreach (var o in voice.All) cmd.Options.Add(o);
        cmd.SetAction((pr, ct) => CommonOptions.Guard(() =>
        {
            string t = pr.GetValue(targets)!;
            var lora = new LoraConfig
            {
                Rank = pr.GetValue(rank), Alpha = pr.GetValue(alpha), Dropout = pr.GetValue(dropout), UseRsLora = pr.GetValue(rslora),
                TargetModules = t == "all-linear" ? [] : t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                TargetPattern = t == "all-linear" ? "all-linear" : null,
            };
            var options = new TrainOptions
            {
                Lora = lora, LearningRate = pr.GetValue(lr), Epochs = pr.GetValue(epochs), BatchSize = pr.GetValue(batch),
                GradientAccumulation = pr.GetValue(accum), WarmupSteps = pr.GetValue(warmup),
                Schedule = Enum.Parse<LrSchedule>(pr.GetValue(schedule)!, ignoreCase: true),
                Optimizer = new AdamWOptions { WeightDecay = pr.GetValue(wd), EightBit = pr.GetValue(adam8) },
                MaxLength = pr.GetValue(maxLen), EvalFraction = pr.GetValue(evalFrac), TrainOnPrompt = pr.GetValue(allTokens),
                GradientCheckpointing = !pr.GetValue(noCkpt), Seed = pr.GetValue(seed), MaxSteps = pr.GetValue(maxSteps),
                VoiceMemory = voice.Options(pr), TimeBudget = pr.GetValue(budget), WarmStartPath = pr.GetValue(warm)?.FullName, SharedPrefix = !pr.GetValue(noShare),
            };
            options.Validate();
            var template = CommonOptions.LoadPrompts(pr.GetValue(prompts));
            var examples = voice.Load(pr, pr.GetValue(data)!.FullName, voice.Part(pr), template);
            var (train, eval) = ReplyDataset.Split(examples, options.EvalFraction);
            using var local = CommonOptions.LoadModel(pr, model, quantize, doubleQuant);
            var trainer = new Trainer(local.Model, local.Tokenizer, template, options);
            string outDir = pr.GetValue(output)!.FullName;
            AnsiConsole.MarkupLine($"[grey]{examples.Count} examples: {train.Count} train, {eval.Count} eval · r {lora.Rank}, alpha {lora.Alpha}, targets {Markup.Escape(t)} · {(options.Optimizer.EightBit ? "8-bit" : "32-bit")} AdamW[/]");
            TrainResult result = null!;
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("training", maxValue: 1);
                    var progress = new InlineProgress(p =>
                    {
                        task.MaxValue = p.TotalSteps; task.Value = p.Step;
                        task.Description = p.EvalLoss is { } e
                            ? $"epoch {p.Epoch} · eval loss {e:0.000} (ppl {Math.Exp(e):0.0})"
                            : $"step {p.Step}/{p.TotalSteps} · loss {p.TrainLoss:0.000} · {p.TokensPerSecond:0} tok/s · lr {p.LearningRate:0.0e0}";
                    });
                    result = trainer.Train(train, eval, outDir, progress, ct);
                });
            LossCurvePlot.WriteBoth(LossCurve.Load(Path.Combine(outDir, LossCurve.FileName)), outDir);
            AnsiConsole.MarkupLine(result.Completed
                ? (result.PlanFinished ? "" : $"[yellow]time budget reached[/] ({Markup.Escape(result.Plan?.ToString() ?? "")}); run the same command to go on · ")
                  + $"[green]done[/]: {result.Steps} steps, final train loss {result.FinalTrainLoss:0.000}, best eval loss {result.BestEvalLoss:0.000} (epoch {result.BestEpoch}) → {Markup.Escape(outDir)}"
                : $"[yellow]stopped[/] after {result.Steps} steps; checkpoint saved in {Markup.Escape(Path.Combine(outDir, "checkpoint"))}: run the same command to resume");
            return Task.FromResult(result.Completed ? 0 : 130);
        }));
        return cmd;
    }
}

/// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class InlineProgress(Action<TrainProgress> report) : IProgress<TrainProgress>
{
    public void Report(TrainProgress value) => report(value);
}
