using System.CommandLine;
using System.Globalization;
using ShawBot.Infrastructure.Adapters;
using Spectre.Console;

namespace ShawBot.Cli.Commands;

/// <summary>
/// `shawbot adapters list|activate|rollback`: the adapter registry. Changes write adapters/active;
/// a running service follows the pointer within seconds (it polls it), so these work whether the
/// service runs or not.
/// </summary>
internal static class AdaptersCommand
{
    public static Option<DirectoryInfo> AdaptersOption() => new("--adapters")
    {
        Description = "the adapter registry folder (ShawBot:Adapters:Path)",
        DefaultValueFactory = _ => new DirectoryInfo("adapters"),
    };

    public static Command Create()
    {
        var cmd = new Command("adapters", "List the trained adapter versions, make one live, or roll back to the previous one.");
        cmd.Subcommands.Add(List());
        cmd.Subcommands.Add(Activate());
        cmd.Subcommands.Add(Rollback());
        return cmd;
    }

    private static Command List()
    {
        var adapters = AdaptersOption();
        var cmd = new Command("list", "Versions with their dataset, eval loss and promotion; * marks the live one.") { adapters };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(() =>
        {
            var registry = new AdapterRegistry(pr.GetValue(adapters)!.FullName);
            var versions = registry.List();
            string? active = registry.ActiveVersion;
            if (versions.Count == 0)
            {
                Console.WriteLine($"no adapter versions in {registry.Root}");
                return Task.FromResult(0);
            }
            var table = new Table().AddColumns("", "version", "created (UTC)", "examples", "eval loss", "ppl", "vs", "promoted", "steps");
            foreach (var v in versions)
            {
                var m = v.Metadata;
                table.AddRow(v.Name == active ? "*" : "", v.Name, m.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    m.DatasetSize.ToString(CultureInfo.InvariantCulture), F(m.EvalLoss, "0.000"), F(m.EvalPerplexity, "0.00"),
                    Markup.Escape(m.ComparedEvalLoss is { } c ? $"{m.ComparedWith} {c.ToString("0.000", CultureInfo.InvariantCulture)}" : m.ComparedWith ?? ""),
                    m.Promoted ? "yes" : "no", m.Steps.ToString(CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"live: {active ?? (registry.HasExplicitBaseModel ? "the base model" : "none set")}");
            return Task.FromResult(0);
        }));
        return cmd;
    }

    private static Command Activate()
    {
        var adapters = AdaptersOption();
        var version = new Argument<string>("version") { Description = "v0001, v0002, … or base" };
        var cmd = new Command("activate", "Make a version live (base: no adapter).") { version, adapters };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(() =>
        {
            var registry = new AdapterRegistry(pr.GetValue(adapters)!.FullName);
            string v = pr.GetValue(version)!;
            registry.SetActive(v == "base" ? null : v, Environment.UserName, "shawbot adapters activate");
            Console.WriteLine($"{(v == "base" ? "the base model" : v)} is live (a running service follows within seconds)");
            return Task.FromResult(0);
        }));
        return cmd;
    }

    private static Command Rollback()
    {
        var adapters = AdaptersOption();
        var cmd = new Command("rollback", "Make the previous promoted version live (or the base model when there is none).") { adapters };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(() =>
        {
            var registry = new AdapterRegistry(pr.GetValue(adapters)!.FullName);
            string? from = registry.ActiveVersion;
            string? to = registry.Rollback(Environment.UserName);
            Console.WriteLine($"rolled back from {from} to {to ?? "the base model"}");
            return Task.FromResult(0);
        }));
        return cmd;
    }

    private static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "";
}
