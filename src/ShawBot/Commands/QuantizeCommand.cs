using System.CommandLine;
using System.Diagnostics;
using ShawBot.Engine.Model;
using Spectre.Console;

namespace ShawBot.Cli.Commands;

/// <summary>
/// `shawbot quantize`: a dense (F32/F16/BF16) model folder to a bitsandbytes 4-bit folder that
/// transformers loads (and that loads here without re-quantizing). Quantizes tensor by tensor, so
/// the model never exists in fp32.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var output = new Option<DirectoryInfo>("--out") { Description = "where to write the 4-bit folder (must not exist, or be empty)", Required = true };
        var quantize = new Option<string>("--quantize") { Description = "4-bit data type: nf4 (NormalFloat, QLoRA's default) or fp4", DefaultValueFactory = _ => "nf4" }
            .AcceptOnlyFromAmong("nf4", "fp4");
        // The name this command had before every command took --quantize; kept for old scripts, not shown in help.
        var type = new Option<string?>("--type") { Description = "deprecated: use --quantize", Hidden = true }.AcceptOnlyFromAmong("nf4", "fp4");
        var doubleQuant = CommonOptions.DoubleQuant();
        var cmd = new Command("quantize", "Quantize a Hugging Face model folder to bitsandbytes NF4/FP4 and write it as a transformers-loadable folder.")
        {
            model, output, quantize, type, doubleQuant,
        };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(async () =>
        {
            string src = pr.GetValue(model)!.FullName, dst = pr.GetValue(output)!.FullName;
            string format = pr.GetValue(type) ?? pr.GetValue(quantize)!;
            var options = new ModelLoadOptions { Quantize = WeightFormatNames.Parse(format), DoubleQuant = pr.GetValue(doubleQuant) };
            var sw = Stopwatch.StartNew();
            long bytes = 0;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(ctx => Task.Run(() =>
                {
                    var load = ctx.AddTask("quantizing", maxValue: 1);
                    var save = ctx.AddTask("writing", maxValue: 1);
                    using var llm = ModelLoader.Load(src, options, new Progress<(int Done, int Total)>(p => { load.MaxValue = p.Total; load.Value = p.Done; }));
                    load.Value = load.MaxValue;
                    ct.ThrowIfCancellationRequested();
                    bytes = llm.SizeInBytes;
                    QuantizedModelWriter.Save(llm, src, dst, new Progress<(int Done, int Total)>(p => { save.MaxValue = p.Total; save.Value = p.Done; }));
                    save.Value = save.MaxValue;
                }, ct));
            AnsiConsole.MarkupLineInterpolated(
                $"[green]wrote[/] {dst} ({format}, double quant {pr.GetValue(doubleQuant)}) in {sw.Elapsed.TotalSeconds:0.0} s; {bytes / 1e6:0.0} MB of weights in memory");
            return 0;
        }));
        return cmd;
    }
}
