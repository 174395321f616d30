using System.CommandLine;
using ShawBot.Engine.Retrieval;
using ShawBot.Engine.Training;

namespace ShawBot.Cli.Commands;

/// <summary>The voice-memory and data-split options train, eval and generate share (defaults: the service's).</summary>
internal sealed class VoiceMemoryCli
{
    public Option<int> Count { get; } = new("--examples") { Description = "voice memory: past replies to similar comments shown in {examples} (0 = off; a template without {examples} is off too)", DefaultValueFactory = _ => new VoiceMemoryOptions().Count };
    public Option<int> Budget { get; } = new("--examples-budget") { Description = "voice memory: the examples block's size in tokens", DefaultValueFactory = _ => new VoiceMemoryOptions().TokenBudget };
    public Option<string> Split { get; } = new Option<string>("--split")
    {
        Description = "which lines of --data to use: all, train (every line but the held-out ones) or held-out (lines 10, 20, 30, …; see data/README.md)",
        DefaultValueFactory = _ => "all",
    }.AcceptOnlyFromAmong("all", "train", "held-out");

    public IEnumerable<Option> All => [Count, Budget, Split];

    public VoiceMemoryOptions Options(ParseResult pr)
    {
        var o = new VoiceMemoryOptions { Count = pr.GetValue(Count), TokenBudget = pr.GetValue(Budget) };
        o.Validate();
        return o;
    }

    public DataPart Part(ParseResult pr) => pr.GetValue(Split) switch { "train" => DataPart.Train, "held-out" => DataPart.HeldOut, _ => DataPart.All };
}
