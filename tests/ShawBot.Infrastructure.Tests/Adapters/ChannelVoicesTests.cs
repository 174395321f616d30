using Microsoft.Extensions.Logging.Abstractions;
using ShawBot.Core.Domain;
using ShawBot.Core.Sources;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Tests.Retraining;

namespace ShawBot.Infrastructure.Tests.Adapters;

/// <summary>
/// Several sources, each its own voice, over one base model: a YouTube channel and a Discord server,
/// each with its own adapter registry. Which adapter drafted is checked by the logits it gives, against
/// the engine run directly with the adapter read from that registry.
/// </summary>
[Collection(RetrainCollection.Name)]
public sealed class ChannelVoicesTests : IDisposable
{
    private const ulong Guild = 42, DiscordChannel = 7;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly RetrainHarness _h = new();
    private readonly string _youTubeComment = "UgyComment1";
    private readonly string _discordComment = CommentOrigin.DiscordCommentId(Guild, DiscordChannel, 1001);

    public void Dispose() => _h.Dispose();

    /// <summary>A registry with <paramref name="count"/> versions of random, non-zero adapters, the last one active.</summary>
    private AdapterRegistry RegistryWithAdapters(string name, ulong seed, int count = 1)
    {
        var registry = new AdapterRegistry(_h.Folder.File(name));
        var config = _h.Model.Model.Config;
        string peft = _h.Folder.File(name + "-peft");
        for (int v = 0; v < count; v++)
        {
            var adapter = LoraAdapter.CreateNew(config, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj", "down_proj"] }, seed + (ulong)v);
            var rng = new SplitMix(seed * 1000 + (ulong)v);
            foreach (var m in adapter.Modules)
            {
                var b = adapter.B(m);
                for (int i = 0; i < b.Length; i++) b[i] = (float)(0.2 * rng.NextGaussian());     // PEFT starts B at 0: make the update real
            }
            PeftAdapterFiles.Save(adapter, peft);
            var version = registry.AddVersion(peft, n => new AdapterMetadata { Version = n, CreatedAt = DateTimeOffset.UtcNow, BaseModel = "tiny", DatasetHash = "", Promoted = true }, [], []);
            registry.SetActive(version.Name, "test", "seeded");
        }
        return registry;
    }

    private SourceEntry[] Sources(AdapterRegistry? youTube, AdapterRegistry? discord, string? discordPrompts = null) =>
    [
        new("main", SourcePlatform.YouTube, "Shaw's channel", "UCshaw", 0, [], [], youTube?.Root),
        new("community", SourcePlatform.Discord, "Shaw's community", null, Guild, [DiscordChannel], [], discord?.Root, discordPrompts),
    ];

    private ChannelVoices Voices(IReadOnlyList<SourceEntry> sources, long budget = 512L << 20) =>
        new(_h.Model, sources, budget, NullLogger<ChannelVoices>.Instance);

    /// <summary>The next-token logits after <paramref name="prompt"/>, from a fresh session over the shared base.</summary>
    private float[] Logits(int[] prompt, LoraAdapter? adapter)
    {
        var model = _h.Model.Model;
        var logits = new float[model.Config.VocabSize];
        new InferenceSession(model, 256).Forward(prompt, logits, false, adapter);
        return logits;
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    private int[] PromptIds(ReplyPrompt prompt, string text = "what is a LoRA adapter?") =>
        prompt.Build(new PromptSlots(text, null, null, null), _h.Model.Generator.ContextTokens - _h.Model.Options.MaxNewTokens).Ids;

    private LoraAdapter Direct(AdapterRegistry registry, string version) =>
        PeftAdapterFiles.Load(registry.VersionPath(version), _h.Model.Model.Config, version);

    [Fact]
    public async Task Drafts_for_each_channel_use_that_channels_adapter_over_one_base()
    {
        _h.Model.EnsureLoaded();
        var baseModel = _h.Model.Model;
        var a = RegistryWithAdapters("adapters-main", 11);
        var b = RegistryWithAdapters("adapters-community", 23);
        var voices = Voices(Sources(a, b));
        var writer = new EngineReplyWriter(_h.Model, NullLogger<EngineReplyWriter>.Instance, null, voices);

        var voiceA = voices.For(_youTubeComment);
        var voiceB = voices.For(_discordComment);
        Assert.Equal("main", voiceA.SourceId);
        Assert.Equal("community", voiceB.SourceId);
        int[] prompt = PromptIds(voiceA.Prompt);

        float[] logitsA = Logits(prompt, voiceA.Adapter), logitsB = Logits(prompt, voiceB.Adapter);
        float[] directA = Logits(prompt, Direct(a, "v0001")), directB = Logits(prompt, Direct(b, "v0001")), bare = Logits(prompt, null);
        Assert.True(MaxAbsDiff(logitsA, directA) <= 1e-5, $"channel A's logits differ from A's adapter run directly by {MaxAbsDiff(logitsA, directA)}");
        Assert.True(MaxAbsDiff(logitsB, directB) <= 1e-5, $"channel B's logits differ from B's adapter run directly by {MaxAbsDiff(logitsB, directB)}");
        Assert.True(MaxAbsDiff(logitsA, logitsB) > 1e-2, $"A and B give the same logits (max difference {MaxAbsDiff(logitsA, logitsB)})");
        Assert.True(MaxAbsDiff(logitsA, bare) > 1e-2 && MaxAbsDiff(logitsB, bare) > 1e-2, "an adapter left the base model's logits as they were");

        // The drafts are what the engine generates with each channel's adapter read straight from its registry.
        var draftA = await writer.WriteAsync(new ReplyRequest(_youTubeComment, "what is a LoRA adapter?", "viewer", null), None);
        var draftB = await writer.WriteAsync(new ReplyRequest(_discordComment, "what is a LoRA adapter?", "member", null), None);
        string expectedA = _h.Model.Generator.Generate(prompt, _h.Model.DraftSampling(), Direct(a, "v0001")).TextWithStop.Trim();
        string expectedB = _h.Model.Generator.Generate(prompt, _h.Model.DraftSampling(), Direct(b, "v0001")).TextWithStop.Trim();
        Assert.Equal(expectedA, draftA.Text);
        Assert.Equal(expectedB, draftB.Text);
        Assert.Equal("v0001", draftA.AdapterVersion);

        // One base, untouched: the global adapter set was never swapped, and the same LlamaModel drafted both.
        Assert.Same(baseModel, _h.Model.Model);
        Assert.Null(_h.Model.Adapters.Active);
        Assert.Empty(_h.Model.Adapters.Names);
        Assert.Equal(2, voices.Resident.Count);
        Assert.Same(voiceA.Adapter, voices.For(_youTubeComment).Adapter);           // resident: not read again
    }

    [Fact]
    public async Task Two_YouTube_channels_draft_each_comment_with_the_adapter_of_the_channel_it_was_read_from()
    {
        _h.Model.EnsureLoaded();
        var main = RegistryWithAdapters("adapters-main", 11);
        var labs = RegistryWithAdapters("adapters-labs", 29);
        SourceEntry[] sources =
        [
            new("main", SourcePlatform.YouTube, "Shaw Talks", "UCshaw", 0, [], [], main.Root, IsDefault: true),
            new("labs", SourcePlatform.YouTube, "Shaw Labs", "UClabs", 0, [], [], labs.Root),
        ];
        var voices = Voices(sources);
        var writer = new EngineReplyWriter(_h.Model, NullLogger<EngineReplyWriter>.Instance, null, voices);

        // YouTube ids do not say the channel: the stored entry id does; a row from before it was stored is the default channel's.
        Assert.Equal("labs", voices.For("UgyLabsComment", "labs").SourceId);
        Assert.Equal("main", voices.For("UgyOldComment").SourceId);
        Assert.Null(voices.SourceOf("UgyRetired", "retired"));
        int[] prompt = PromptIds(_h.Model.Prompt);
        float[] logitsLabs = Logits(prompt, voices.For("UgyLabsComment", "labs").Adapter), logitsMain = Logits(prompt, voices.For("UgyMainComment", "main").Adapter);
        Assert.True(MaxAbsDiff(logitsLabs, Logits(prompt, Direct(labs, "v0001"))) <= 1e-5, "labs drafts with another adapter than its own");
        Assert.True(MaxAbsDiff(logitsMain, Logits(prompt, Direct(main, "v0001"))) <= 1e-5, "main drafts with another adapter than its own");
        Assert.True(MaxAbsDiff(logitsLabs, logitsMain) > 1e-2, $"the two channels give the same logits (max difference {MaxAbsDiff(logitsLabs, logitsMain)})");

        var draft = await writer.WriteAsync(new ReplyRequest("UgyLabsComment", "what is a LoRA adapter?", "viewer", null, SourceId: "labs"), None);
        Assert.Equal(_h.Model.Generator.Generate(prompt, _h.Model.DraftSampling(), Direct(labs, "v0001")).TextWithStop.Trim(), draft.Text);
    }

    [Fact]
    public void Beyond_the_memory_budget_the_least_recently_used_adapter_is_unloaded_and_reloads_the_same()
    {
        _h.Model.EnsureLoaded();
        var a = RegistryWithAdapters("adapters-main", 11);
        var b = RegistryWithAdapters("adapters-community", 23);
        long one = (long)Direct(a, "v0001").Parameters.Length * sizeof(float);
        var voices = Voices(Sources(a, b), budget: one + one / 2);               // room for one adapter, not two

        var first = voices.For(_youTubeComment).Adapter!;
        int[] prompt = PromptIds(_h.Model.Prompt);
        float[] before = Logits(prompt, first);
        Assert.Equal(new[] { a.Root + "|v0001" }, voices.Resident);
        Assert.Equal(one, voices.ResidentBytes);

        var other = voices.For(_discordComment).Adapter!;                        // loads B, unloads A
        Assert.Equal(new[] { b.Root + "|v0001" }, voices.Resident);
        Assert.Equal(one, voices.ResidentBytes);

        var again = voices.For(_youTubeComment).Adapter!;                         // A read again from its registry
        Assert.NotSame(first, again);
        Assert.Equal(new[] { a.Root + "|v0001" }, voices.Resident);
        Assert.Equal(0d, MaxAbsDiff(before, Logits(prompt, again)));
        Assert.True(MaxAbsDiff(before, Logits(prompt, other)) > 1e-2);
    }

    [Fact]
    public void A_channel_follows_its_own_registrys_pointer_and_one_without_a_registry_uses_the_global_adapter()
    {
        _h.Model.EnsureLoaded();
        var a = RegistryWithAdapters("adapters-main", 11, count: 2);
        var global = RegistryWithAdapters(Path.GetFileName(_h.Registry.Root), 37);   // the harness's global registry
        Assert.Equal(_h.Registry.Root, global.Root);
        Assert.True(_h.Admin.Follow());                                            // the global live adapter is v0001 of the global registry
        var voices = Voices(Sources(a, discord: null));

        Assert.Equal("v0002", voices.For(_youTubeComment).Adapter!.Version);
        a.SetActive("v0001", "cli", "shawbot adapters activate");               // the channel's own rollback
        int[] prompt = PromptIds(_h.Model.Prompt);
        Assert.Equal(0d, MaxAbsDiff(Logits(prompt, voices.For(_youTubeComment).Adapter), Logits(prompt, Direct(a, "v0001"))));
        a.SetActive(null, "cli", "to the base model");
        Assert.Null(voices.For(_youTubeComment).Adapter);

        Assert.Same(_h.Model.Adapters.Active, voices.For(_discordComment).Adapter);  // no AdapterPath: the global live adapter
        Assert.Equal("v0001", voices.For(_discordComment).Adapter!.Version);
        var stranger = voices.For(CommentOrigin.DiscordCommentId(99, 1, 1));       // no entry reads that server
        Assert.Null(stranger.SourceId);
        Assert.Same(_h.Model.Adapters.Active, stranger.Adapter);
    }

    [Fact]
    public void A_channel_with_its_own_prompts_folder_builds_its_prompt_from_it()
    {
        _h.Model.EnsureLoaded();
        string prompts = _h.Folder.File("community-prompts");
        Directory.CreateDirectory(prompts);
        File.WriteAllText(Path.Combine(prompts, "instructions.txt"), "Reply as the community bot.");
        File.WriteAllText(Path.Combine(prompts, "template.txt"), "<s>[INST] {instructions} \n{comment} \n[/INST]\n{reply}</s>");
        var voices = Voices(Sources(null, null, prompts));

        int[] own = PromptIds(voices.For(_discordComment).Prompt);
        int[] expected = PromptIds(new ReplyPrompt(PromptTemplate.Load(PromptTemplate.Locate(prompts)), _h.Model.Tokenizer));
        Assert.Equal(expected, own);
        Assert.NotEqual(PromptIds(_h.Model.Prompt), own);
        Assert.Same(_h.Model.Prompt, voices.For(_youTubeComment).Prompt);
    }

    [Fact]
    public void A_comment_id_finds_its_source_entry()
    {
        SourceEntry[] sources =
        [
            new("main", SourcePlatform.YouTube, "Shaw", "UCshaw", 0, [], []),
            new("general", SourcePlatform.Discord, "General", null, Guild, [1], [], "a"),
            new("help", SourcePlatform.Discord, "Help", null, Guild, [], [2], "b"),
        ];
        Assert.Equal("main", SourceDirectory.For(sources, "UgxYouTubeId")!.Id);
        Assert.Equal("general", SourceDirectory.For(sources, CommentOrigin.DiscordCommentId(Guild, 1, 5))!.Id);
        Assert.Equal("help", SourceDirectory.For(sources, CommentOrigin.DiscordCommentId(Guild, 2, 5))!.Id);
        Assert.Equal("general", SourceDirectory.For(sources, CommentOrigin.DiscordCommentId(Guild, 3, 5))!.Id);   // a thread: its server's first entry
        Assert.Null(SourceDirectory.For(sources, CommentOrigin.DiscordCommentId(7, 1, 5)));
        Assert.Null(SourceDirectory.For(sources[1..], "UgxYouTubeId"));
    }

    [Fact]
    public async Task A_channels_retrain_learns_its_own_curated_replies_into_its_own_registry_and_the_global_one_leaves_them_out()
    {
        _h.Model.EnsureLoaded();
        var community = new AdapterRegistry(_h.Folder.File("adapters-community"));
        var voices = Voices(Sources(youTube: null, community));
        var youTubeIds = await _h.AddCuratedAsync(12);
        var discordIds = await _h.AddCuratedAsync(12, idOf: i => CommentOrigin.DiscordCommentId(Guild, DiscordChannel, (ulong)i));
        var options = Microsoft.Extensions.Options.Options.Create(_h.Options);

        var channel = new RetrainRunner(_h.Model, _h.Store, community, _h.Admin, options, NullLogger<RetrainRunner>.Instance, null, voices, "community");
        var outcome = await channel.RunAsync(new RetrainRequest("tester"), null, None);
        Assert.Equal(RetrainOutcomeKind.Promoted, outcome.Kind);
        Assert.Equal("v0001", community.ActiveVersion);
        Assert.Equal(discordIds.Order(), community.DatasetIds(community.Get("v0001")!).Order());    // its own replies, none of YouTube's
        Assert.Null(_h.Registry.ActiveVersion);                                                      // the global voice is untouched
        Assert.Null(_h.Model.Adapters.Active);

        var voice = voices.For(discordIds[0]);                                                       // the next draft there uses it
        Assert.Equal("v0001", voice.Adapter!.Version);
        int[] prompt = PromptIds(voice.Prompt);
        Assert.Equal(0d, MaxAbsDiff(Logits(prompt, voice.Adapter), Logits(prompt, Direct(community, "v0001"))));
        Assert.Null(voices.For(youTubeIds[0]).Adapter);

        var global = new RetrainRunner(_h.Model, _h.Store, _h.Registry, _h.Admin, options, NullLogger<RetrainRunner>.Instance, null, voices);
        var globalOutcome = await global.RunAsync(new RetrainRequest("tester"), null, None);
        Assert.Equal(RetrainOutcomeKind.Promoted, globalOutcome.Kind);
        Assert.Equal(youTubeIds.Order(), _h.Registry.DatasetIds(_h.Registry.Get("v0001")!).Order());
        Assert.Equal("v0001", _h.Model.Adapters.Active!.Version);
        Assert.Equal("v0001", community.ActiveVersion);
        Assert.True(MaxAbsDiff(Logits(prompt, voices.For(youTubeIds[0]).Adapter), Logits(prompt, voices.For(discordIds[0]).Adapter)) > 1e-3);

        Assert.Throws<ArgumentException>(() => new RetrainRunner(_h.Model, _h.Store, _h.Registry, _h.Admin, options, NullLogger<RetrainRunner>.Instance, null, voices, "community"));
        Assert.Throws<ArgumentException>(() => new RetrainRunner(_h.Model, _h.Store, community, _h.Admin, options, NullLogger<RetrainRunner>.Instance, null, voices, "main"));
    }

    private sealed class CollectingReporter : IRetrainReporter
    {
        public List<RetrainOutcome> Outcomes { get; } = [];

        public Task ReportStartAsync(RetrainStart start, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task ReportAsync(RetrainOutcome outcome, CancellationToken cancellationToken)
        {
            lock (Outcomes) Outcomes.Add(outcome);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task One_retrain_request_retrains_the_global_voice_then_each_source_and_reports_each_with_its_source()
    {
        _h.Model.EnsureLoaded();
        var community = new AdapterRegistry(_h.Folder.File("adapters-community"));
        var voices = Voices(Sources(youTube: null, community));
        await _h.AddCuratedAsync(12);
        await _h.AddCuratedAsync(12, idOf: i => CommentOrigin.DiscordCommentId(Guild, DiscordChannel, (ulong)i));
        var options = Microsoft.Extensions.Options.Options.Create(_h.Options);
        var global = new RetrainRunner(_h.Model, _h.Store, _h.Registry, _h.Admin, options, NullLogger<RetrainRunner>.Instance, null, voices);
        var own = new RetrainRunner(_h.Model, _h.Store, community, _h.Admin, options, NullLogger<RetrainRunner>.Instance, null, voices, "community");
        var reporter = new CollectingReporter();
        using var coordinator = new RetrainCoordinator(global, [reporter, new LogRetrainReporter(_h.Registry, NullLogger<LogRetrainReporter>.Instance)],
            NullLogger<RetrainCoordinator>.Instance, null, new SourceRetrains([new SourceRetrain("community", community, own)]));

        var outcome = await coordinator.RunAsync(new RetrainRequest("nightly"), None);
        Assert.Equal(RetrainOutcomeKind.Promoted, outcome.Kind);
        Assert.Null(outcome.Source);
        Assert.Same(outcome, coordinator.LastOutcome);
        Assert.Equal(new string?[] { null, "Shaw's community" }, reporter.Outcomes.Select(o => o.Source));
        Assert.Equal(new[] { RetrainOutcomeKind.Promoted, RetrainOutcomeKind.Promoted }, reporter.Outcomes.Select(o => o.Kind));
        Assert.Equal(("v0001", "v0001"), (_h.Registry.ActiveVersion, community.ActiveVersion));
        Assert.Equal(("Promoted", "v0001"), (community.LastRun!.Kind, community.LastRun.Version));     // each registry records its own run
        Assert.Equal(("Promoted", "v0001"), (_h.Registry.LastRun!.Kind, _h.Registry.LastRun.Version));
        Assert.StartsWith("Retrain (Shaw's community): v0001 promoted", DiscordRetrainReporter.Build(reporter.Outcomes[1]).Content);
        Assert.StartsWith("Retrain: v0001 promoted", DiscordRetrainReporter.Build(reporter.Outcomes[0]).Content);
    }
}
