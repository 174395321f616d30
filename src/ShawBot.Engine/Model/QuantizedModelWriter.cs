using ShawBot.Engine.IO;
using ShawBot.Engine.Quantization;

namespace ShawBot.Engine.Model;

/// <summary>
/// Writes a 4-bit model as a folder that transformers (with bitsandbytes) loads:
///   model.safetensors  every decoder projection in the bitsandbytes layout (<see cref="Bnb4BitSerializer"/>,
///                      original dtype recorded in its quant_state); embed_tokens, the norms and lm_head
///                      copied byte for byte from the source checkpoint (BF16 stays BF16)
///   config.json        the source config plus quantization_config (bitsandbytes, load_in_4bit, type, double quant)
///   tokenizer files    copied when the source has them
/// Everything goes to a temporary sibling folder first, renamed to outFolder at the end, so a
/// failure never leaves a half-written model behind.
/// </summary>
public static class QuantizedModelWriter
{
    public const string ModelFileName = "model.safetensors";

    /// <summary>The files copied verbatim from the source folder when present.</summary>
    public static readonly IReadOnlyList<string> TokenizerFiles =
        ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"];

    /// <param name="model">a model whose decoder projections are all <see cref="Nf4Linear"/> of one type and double-quant setting.</param>
    /// <param name="sourceFolder">the folder the model was loaded from (dense or 4-bit): embeddings, norms and lm_head are read from it again.</param>
    /// <param name="outFolder">must not exist, or be empty.</param>
    public static void Save(LlamaModel model, string sourceFolder, string outFolder, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sourceFolder);
        ArgumentNullException.ThrowIfNull(outFolder);
        string target = Path.GetFullPath(outFolder);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new IOException($"output folder '{target}' exists and is not empty");
        if (File.Exists(target)) throw new IOException($"output path '{target}' is a file");

        ModelConfig config = model.Config;
        (QuantType4Bit type, bool doubleQuant) = CommonFormat(model);
        int total = config.NumLayers + 3, done = 0;
        void Step() => progress?.Report((++done, total));

        using var ck = SafetensorsCheckpoint.Open(sourceFolder);
        var tensors = new List<TensorToWrite>(config.NumLayers * 44 + 3);
        string tmp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.tmp-{Environment.ProcessId}");
        try
        {
            tensors.Add(Copy(ck, "model.embed_tokens.weight", [config.VocabSize, config.HiddenSize]));
            Step();
            for (int l = 0; l < config.NumLayers; l++)
            {
                string p = $"model.layers.{l}.";
                tensors.Add(Copy(ck, p + "input_layernorm.weight", [config.HiddenSize]));
                tensors.Add(Copy(ck, p + "post_attention_layernorm.weight", [config.HiddenSize]));
                foreach (Projection proj in Enum.GetValues<Projection>())
                {
                    var lin = (Nf4Linear)model.Layers[l][proj];
                    tensors.AddRange(Bnb4BitSerializer.ToTensors(p + LayerWeights.ModuleName(proj), lin.Weight, lin.OriginalDtype));
                }
                Step();
            }
            tensors.Add(Copy(ck, "model.norm.weight", [config.HiddenSize]));
            if (!config.TieWordEmbeddings) tensors.Add(Copy(ck, "lm_head.weight", [config.VocabSize, config.HiddenSize]));
            Step();

            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            Directory.CreateDirectory(tmp);
            SafetensorsWriter.Write(Path.Combine(tmp, ModelFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            var quantized = config with
            {
                Quantization = new QuantizationConfig
                {
                    QuantType = type.ToBnbName(), UseDoubleQuant = doubleQuant,
                    ComputeDtype = config.TorchDtype is "bfloat16" or "float16" ? config.TorchDtype : "float32",
                },
            };
            File.WriteAllText(Path.Combine(tmp, "config.json"), quantized.ToJson());
            foreach (string f in TokenizerFiles)
            {
                string src = Path.Combine(sourceFolder, f);
                if (File.Exists(src)) File.Copy(src, Path.Combine(tmp, f));
            }
            if (Directory.Exists(target)) Directory.Delete(target);   // empty, checked above
            Directory.Move(tmp, target);
            Step();
        }
        catch
        {
            try { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The one quant type / double-quant setting of all projections; a dense or mixed model cannot be saved as 4-bit.</summary>
    private static (QuantType4Bit Type, bool DoubleQuant) CommonFormat(LlamaModel model)
    {
        (QuantType4Bit, bool)? format = null;
        for (int l = 0; l < model.Layers.Length; l++)
            foreach (Projection proj in Enum.GetValues<Projection>())
            {
                string name = $"model.layers.{l}.{LayerWeights.ModuleName(proj)}";
                if (model.Layers[l][proj] is not Nf4Linear lin)
                    throw new InvalidOperationException($"{name} is not 4-bit: load the model with Quantize = Nf4 or Fp4 before saving it as 4-bit");
                var f = (lin.QuantType, lin.Weight.IsDoubleQuantized);
                format ??= f;
                if (format != f)
                    throw new InvalidOperationException($"{name} is {f.QuantType.ToBnbName()} (double quant {f.IsDoubleQuantized}), other projections are "
                        + $"{format.Value.Item1.ToBnbName()} (double quant {format.Value.Item2}): one quantization_config cannot describe both");
            }
        return format ?? (QuantType4Bit.Nf4, true);
    }

    /// <summary>A source tensor as it is stored (dtype and bytes), after checking its shape; the bytes are copied.</summary>
    private static TensorToWrite Copy(SafetensorsCheckpoint ck, string name, long[] shape)
    {
        TensorEntry e = ModelLoader.CheckShape(ck, name, shape);
        if (e.DType is not (SafetensorsDType.F32 or SafetensorsDType.BF16 or SafetensorsDType.F16))
            throw new SafetensorsFormatException(ck.FileOf(name).FilePath, name, "dtype", $"{e.DType.ToHeaderName()} is not F32, F16 or BF16");
        return new TensorToWrite(name, e.DType, e.Shape, ck.GetBytes(name).ToArray());
    }
}
