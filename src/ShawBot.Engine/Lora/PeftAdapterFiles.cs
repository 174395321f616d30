using ShawBot.Engine.IO;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Lora;

/// <summary>
/// Reads and writes PEFT's adapter folder: adapter_config.json and adapter_model.safetensors with
/// keys base_model.model.&lt;module&gt;.lora_A.weight [r, In] and .lora_B.weight [Out, r].
/// </summary>
public static class PeftAdapterFiles
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";

    public static LoraAdapter Load(string folder, ModelConfig model, string? version = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"adapter folder not found: {folder}");
        var config = LoraConfig.Load(Path.Combine(folder, ConfigFile));
        string weights = Path.Combine(folder, WeightsFile);
        if (!File.Exists(weights)) throw new FileNotFoundException($"adapter weights not found: {weights}", weights);
        var adapter = new LoraAdapter(model, config) { Version = version ?? Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)) };
        using var f = SafetensorsFile.Open(weights);
        var expected = new HashSet<string>();
        foreach (var m in adapter.Modules)
        {
            Read(f, m.PeftPrefix + ".lora_A.weight", [config.Rank, m.In], adapter.A(m));
            Read(f, m.PeftPrefix + ".lora_B.weight", [m.Out, config.Rank], adapter.B(m));
            expected.Add(m.PeftPrefix + ".lora_A.weight"); expected.Add(m.PeftPrefix + ".lora_B.weight");
        }
        foreach (var e in f.Tensors)
            if (!expected.Contains(e.Name))
                throw new LoraFormatException(weights, e.Name, "is not a LoRA tensor of a module that adapter_config.json targets");
        return adapter;
    }

    private static void Read(SafetensorsFile f, string name, long[] shape, Span<float> dst)
    {
        if (!f.TryGetEntry(name, out var e)) throw new LoraFormatException(f.FilePath, name, "is missing");
        if (!e.Shape.AsSpan().SequenceEqual(shape))
            throw new LoraFormatException(f.FilePath, name, $"has shape [{string.Join(", ", e.Shape)}], expected [{string.Join(", ", shape)}]");
        f.ReadFloat32(e, dst);
    }

    /// <summary>Writes the folder (each file via a temporary name and a rename).</summary>
    public static void Save(LoraAdapter adapter, string folder)
    {
        Directory.CreateDirectory(folder);
        var tensors = new List<TensorToWrite>();
        int r = adapter.Config.Rank;
        foreach (var m in adapter.Modules)
        {
            tensors.Add(TensorToWrite.FromFloat32(m.PeftPrefix + ".lora_A.weight", [r, m.In], adapter.A(m)));
            tensors.Add(TensorToWrite.FromFloat32(m.PeftPrefix + ".lora_B.weight", [m.Out, r], adapter.B(m)));
        }
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        string cfg = Path.Combine(folder, ConfigFile);
        File.WriteAllText(cfg + ".tmp", adapter.Config.ToJson());
        File.Move(cfg + ".tmp", cfg, overwrite: true);
    }
}
