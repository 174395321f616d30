using System.CommandLine;
using ShawBot.Cli.Demo;

namespace ShawBot.Cli.Commands;

/// <summary>`shawbot demo`: the whole product on this machine against the YouTube sandbox.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo?>("--model")
        {
            Description = "model folder that drafts replies (default: models/tiny-shawbot; when missing, a stub writer drafts)",
        };
        var port = new Option<int>("--port") { Description = "port of the moderation page on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 5080 };
        var state = new Option<DirectoryInfo>("--state")
        {
            Description = "state folder: SQLite database, demo progress, adapter registry; running again resumes from it",
            DefaultValueFactory = _ => new DirectoryInfo("demo-state"),
        };
        var reset = new Option<bool>("--reset") { Description = "delete the state folder first and start over" };
        var seeds = new Option<FileInfo?>("--comments") { Description = "JSONL comments that arrive in the sandbox (default: data/demo-comments.jsonl)" };
        var interval = new Option<double>("--interval") { Description = "seconds between arriving comments", DefaultValueFactory = _ => 4 };
        var prompts = CommonOptions.Prompts();
        var cmd = new Command("demo", "Run everything on this machine: a YouTube sandbox whose comments trickle in, the service drafting replies, "
            + "and the moderation page on http://127.0.0.1:PORT. Ctrl+C stops; running again resumes.")
        {
            model, port, state, reset, seeds, interval, prompts,
        };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(async () =>
        {
            var modelDir = pr.GetValue(model)?.FullName ?? AppPaths.Find(Path.Combine("models", "tiny-shawbot"));
            var options = new DemoOptions
            {
                StateDirectory = pr.GetValue(state)!.FullName,
                ModelDirectory = modelDir,
                SeedFile = pr.GetValue(seeds)?.FullName ?? AppPaths.Find(Path.Combine("data", "demo-comments.jsonl")),
                PromptsDirectory = pr.GetValue(prompts)?.FullName ?? AppPaths.Find("prompts"),
                Port = pr.GetValue(port),
                Reset = pr.GetValue(reset),
                TrickleInterval = TimeSpan.FromSeconds(Math.Max(0.05, pr.GetValue(interval))),
            };
            if (!File.Exists(options.SeedFile))
            {
                throw new FileNotFoundException($"demo comments not found at {options.SeedFile}; pass --comments FILE");
            }

            await using var demo = await DemoHost.StartAsync(options, cancellationToken: ct);
            Console.WriteLine();
            Console.WriteLine($"  ShawBot demo — moderation page: {demo.PageUri}");
            Console.WriteLine(demo.UsesEngine
                ? $"  drafting with the model in {modelDir}"
                : $"  no model at {modelDir}: drafting with the stub writer (pass --model DIR)");
            Console.WriteLine($"  state: {options.StateDirectory} (run again to resume, --reset to start over) · Ctrl+C stops");
            Console.WriteLine();
            await demo.WaitForShutdownAsync(ct);
            return 0;
        }));
        return cmd;
    }
}
