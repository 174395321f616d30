using System.Diagnostics;
using ShawBot.Engine.Model;
using ShawBot.Engine.Quantization;

namespace ShawBot.Bench;

/// <summary>
/// Peak resident memory of loading the 4-layer BF16 folder with NF4 + double quant, in a child
/// process so that making the folder does not count: VmHWM from /proc/self/status against the
/// expected bytes (4-bit linears as stored, with their statistics, + 16-bit embedding and lm_head).
/// The child then saves the model as a 4-bit folder, and a second child loads that folder.
/// </summary>
internal static class Load4BitBench
{
    public const string ChildCommand = "load4bit-child";

    public static void Run()
    {
        using var synth = SyntheticModel.Create(4);
        string saved = Path.Combine(synth.Root, "nf4");
        RunChild(synth.Folder, saved);   // quantize on load, then save
        RunChild(saved, "-");            // load the saved 4-bit folder as stored
    }

    private static void RunChild(string folder, string saveTo)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!, [ChildCommand, folder, saveTo]) { RedirectStandardOutput = true };
        using var child = Process.Start(psi)!;
        Console.Write(child.StandardOutput.ReadToEnd());
        child.WaitForExit();
    }

    /// <param name="saveTo">"-": load folder as it is stored; else quantize on load and save the result there.</param>
    public static void Child(string folder, string saveTo)
    {
        bool quantize = saveTo != "-";
        var sw = Stopwatch.StartNew();
        using var model = ModelLoader.Load(folder, new ModelLoadOptions
        {
            Quantize = quantize ? WeightFormat.Nf4 : WeightFormat.Float32, DoubleQuant = true, RopePositions = 4096,
        });
        double seconds = sw.Elapsed.TotalSeconds;
        long hwm = StatusKb("VmHWM") * 1024, rss = StatusKb("VmRSS") * 1024;
        long stored = 0, held = 0, parameters = 0;
        foreach (var layer in model.Layers)
            foreach (Projection p in Enum.GetValues<Projection>())
            {
                var lin = (Nf4Linear)layer[p];
                stored += lin.Weight.SizeInBytes;
                held += lin.SizeInBytes;
                parameters += lin.Weight.ElementCount;
            }
        long expected = stored + 2L * 2 * SyntheticModel.Vocab * SyntheticModel.Hidden;
        long embHeadHeld = model.Embeddings.SizeInBytes + model.LmHead.SizeInBytes;
        string source = quantize ? "bf16 folder, quantized on load" : "saved nf4 folder";
        Console.WriteLine($"{{\"figure\":\"load4bit\",\"source\":\"{source}\",\"layers\":{model.Layers.Length},\"load_s\":{seconds:F1},"
            + $"\"peak_rss_mb\":{hwm / 1e6:F0},\"rss_after_mb\":{rss / 1e6:F0},\"expected_mb\":{expected / 1e6:F0},\"ratio\":{(double)hwm / expected:F3},"
            + $"\"quantized_params\":{parameters},\"stored_bytes_per_param\":{(double)stored / parameters:F4},\"held_bytes_per_param\":{(double)held / parameters:F4},"
            + $"\"linear_mb\":{held / 1e6:F0},\"embedding_and_head_held_mb\":{embHeadHeld / 1e6:F0}}}");
        if (!quantize) return;
        sw.Restart();
        QuantizedModelWriter.Save(model, folder, saveTo);
        long file = new FileInfo(Path.Combine(saveTo, QuantizedModelWriter.ModelFileName)).Length;
        Console.WriteLine($"{{\"figure\":\"save4bit\",\"seconds\":{sw.Elapsed.TotalSeconds:F1},\"file_mb\":{file / 1e6:F0}}}");
    }

    private static long StatusKb(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0]);
        return -1;
    }
}
