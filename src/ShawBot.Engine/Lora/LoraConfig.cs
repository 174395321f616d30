using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Lora;

/// <summary>Malformed adapter_config.json or adapter_model.safetensors; names the file and the field or tensor.</summary>
public class LoraFormatException : IOException
{
    public LoraFormatException(string filePath, string field, string problem)
        : base($"{filePath}: {field}: {problem}") { FilePath = filePath; Field = field; }
    public string FilePath { get; }
    public string Field { get; }
}

/// <summary>
/// PEFT's LoraConfig (adapter_config.json): y = W x + (B A x) · s with s = alpha / r, or alpha / √r
/// under rsLoRA. target_modules is a list of module names, "all-linear", or a regex matched
/// against the full module path (PEFT's re.fullmatch).
/// </summary>
public sealed record LoraConfig
{
    public int Rank { get; init; } = 8;
    public double Alpha { get; init; } = 16;
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];
    /// <summary>Set when target_modules was a single string (regex or "all-linear").</summary>
    public string? TargetPattern { get; init; }
    public double Dropout { get; init; }
    public string Bias { get; init; } = "none";
    public bool UseRsLora { get; init; }
    public string? BaseModelNameOrPath { get; init; }
    public string TaskType { get; init; } = "CAUSAL_LM";

    public float Scaling => (float)(UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank);

    /// <summary>Whether the projection of a layer gets an adapter.</summary>
    public bool Targets(int layer, Projection p)
    {
        string shortName = LayerWeights.ModuleName(p).Split('.')[1];
        if (TargetPattern is { } pat)
        {
            if (pat == "all-linear") return true;
            return Regex.IsMatch($"model.layers.{layer}.{LayerWeights.ModuleName(p)}", "^(?:" + pat + ")$");
        }
        return TargetModules.Contains(shortName);
    }

    public void Validate(string source = "adapter_config.json")
    {
        if (Rank <= 0) throw new LoraFormatException(source, "r", $"must be positive, got {Rank}");
        if (!(Alpha > 0)) throw new LoraFormatException(source, "lora_alpha", $"must be positive, got {Alpha}");
        if (Dropout is < 0 or >= 1) throw new LoraFormatException(source, "lora_dropout", $"must be in [0, 1), got {Dropout}");
        if (Bias != "none") throw new LoraFormatException(source, "bias", $"only \"none\" is supported, got \"{Bias}\"");
        if (TargetPattern is null && TargetModules.Count == 0) throw new LoraFormatException(source, "target_modules", "is empty");
        foreach (var t in TargetModules)
            if (t is not ("q_proj" or "k_proj" or "v_proj" or "o_proj" or "gate_proj" or "up_proj" or "down_proj"))
                throw new LoraFormatException(source, "target_modules", $"\"{t}\" is not a linear of a Llama/Mistral decoder layer");
    }

    public static LoraConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"adapter config not found: {path}", path);
        return Parse(File.ReadAllText(path), path);
    }

    public static LoraConfig Parse(string json, string source)
    {
        JsonObject o;
        try { o = JsonNode.Parse(json) as JsonObject ?? throw new LoraFormatException(source, "$", "is not a JSON object"); }
        catch (JsonException e) { throw new LoraFormatException(source, "$", $"invalid JSON: {e.Message}"); }
        string peftType = Str(o, "peft_type", source) ?? "LORA";
        if (peftType != "LORA") throw new LoraFormatException(source, "peft_type", $"\"{peftType}\" is not LORA");
        if (o["fan_in_fan_out"] is JsonValue f && f.GetValueKind() == JsonValueKind.True)
            throw new LoraFormatException(source, "fan_in_fan_out", "true is not supported (Conv1D layers)");
        IReadOnlyList<string> targets = ["q_proj", "v_proj"];
        string? pattern = null;
        switch (o["target_modules"])
        {
            case JsonArray arr:
                targets = arr.Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>()
                    : throw new LoraFormatException(source, "target_modules", "entries must be strings")).ToArray();
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                pattern = v.GetValue<string>(); targets = [];
                break;
            case null: throw new LoraFormatException(source, "target_modules", "is missing");
            default: throw new LoraFormatException(source, "target_modules", "must be a list or a string");
        }
        var cfg = new LoraConfig
        {
            Rank = Int(o, "r", source) ?? 8,
            Alpha = Num(o, "lora_alpha", source) ?? 8,
            TargetModules = targets,
            TargetPattern = pattern,
            Dropout = Num(o, "lora_dropout", source) ?? 0,
            Bias = Str(o, "bias", source) ?? "none",
            UseRsLora = o["use_rslora"] is JsonValue rs && rs.GetValueKind() == JsonValueKind.True,
            BaseModelNameOrPath = Str(o, "base_model_name_or_path", source),
            TaskType = Str(o, "task_type", source) ?? "CAUSAL_LM",
        };
        cfg.Validate(source);
        return cfg;
    }

    public string ToJson()
    {
        var o = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = TaskType,
            ["r"] = Rank,
            ["lora_alpha"] = Alpha,
            ["lora_dropout"] = Dropout,
            ["bias"] = Bias,
            ["target_modules"] = TargetPattern is { } p ? JsonValue.Create(p) : new JsonArray(TargetModules.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["use_rslora"] = UseRsLora,
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["modules_to_save"] = null,
            ["revision"] = null,
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string? Str(JsonObject o, string key, string source) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        _ => throw new LoraFormatException(source, key, "must be a string"),
    };

    private static double? Num(JsonObject o, string key, string source) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        _ => throw new LoraFormatException(source, key, "must be a number"),
    };

    private static int? Int(JsonObject o, string key, string source)
    {
        double? d = Num(o, key, source);
        if (d is null) return null;
        if (d != Math.Floor(d.Value) || d > int.MaxValue) throw new LoraFormatException(source, key, $"must be an integer, got {d}");
        return (int)d.Value;
    }
}
