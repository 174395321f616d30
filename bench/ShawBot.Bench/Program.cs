using ShawBot.Bench;

// dotnet run -c Release --project bench/ShawBot.Bench -- matmul | nf4-gemv [rows cols] | gemv-tune rows cols knobs… | head | decode [fp32|nf4] | load4bit | llm --layers N --kernels fast|exact [--lora R] | int8 [rows cols m copies] | drafts [model] | train-lora ... | prefix-stats MODEL | train-prefix MODEL ab|padded|shared [pairs] | store-ops PG-CONNECTION [comments workers] | drafts-per-minute PG-CONNECTION [model comments seconds]
// Each figure is one JSON object on its own line.
string what = args.Length > 0 ? args[0] : "matmul";
switch (what)
{
    case "matmul": MatMulBench.Run(); break;
    case "nf4-gemv" when args.Length == 3: Nf4GemvBench.Run(int.Parse(args[1]), int.Parse(args[2])); break;
    case "nf4-gemv": Nf4GemvBench.Run(); Nf4GemvBench.Run(73728, 4096, gemm: false); break;
    case "gemv-tune" when args.Length >= 4: GemvTuneBench.Run(int.Parse(args[1]), int.Parse(args[2]), args[3..].Select(int.Parse).ToArray()); break;
    case "head": HeadBench.Run(); break;
    case "decode": DecodeBench.Run(args.Length > 1 ? args[1] : null); break;
    case "load4bit": Load4BitBench.Run(); break;
    case "llm": return LlmBench.Run(args);
    case "drafts": DraftsBench.Run(args.Length > 1 ? args[1] : Path.Combine("models", "tiny-shawbot")); break;
    case "int8": Int8GemvBench.Run(args.Length > 1 ? int.Parse(args[1]) : 14336, args.Length > 2 ? int.Parse(args[2]) : 4096, args.Length > 3 ? int.Parse(args[3]) : 1, args.Length > 4 ? int.Parse(args[4]) : 1); break;
    case Load4BitBench.ChildCommand: Load4BitBench.Child(args[1], args[2]); break;
    case "train-lora": TrainingBench.Run(args); break;
    case "prefix-stats" when args.Length == 2: PrefixTrainingBench.Stats(args[1]); break;
    case "train-prefix" when args.Length >= 3: PrefixTrainingBench.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3]) : 1, args.Length > 4 ? int.Parse(args[4]) : 2); break;
    case "store-ops": StoreBench.Run(args); break;
    case "drafts-per-minute": await DraftsPerMinuteBench.RunAsync(args); break;
    default:
        Console.Error.WriteLine($"unknown benchmark '{what}': matmul | nf4-gemv [rows cols] | gemv-tune rows cols knobs… | head | decode [fp32|nf4] | load4bit | llm --layers N --kernels fast|exact [--lora R] | int8 [rows cols m copies] | drafts [model] | train-lora | prefix-stats MODEL | train-prefix MODEL ab|padded|shared [pairs] | store-ops PG-CONNECTION [comments workers] | drafts-per-minute PG-CONNECTION [model comments seconds]");
        return 2;
}
return 0;
