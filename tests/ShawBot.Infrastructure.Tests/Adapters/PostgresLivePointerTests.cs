using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Core.Sources;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Store.Postgres;
using ShawBot.Infrastructure.Tests.Retraining;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Adapters;

/// <summary>
/// The live-adapter pointer in the store (issue #15): two service instances, each with its own model, its own adapter
/// registries (as on two machines) and its own <see cref="LivePointerFollower"/>, share one PostgreSQL database. A
/// promotion on one (the global voice through <see cref="LiveAdapter"/>, a channel's voice in its registry) reaches
/// the other's drafts without a restart: checked by the adapter the other's engine reports and by its logits.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresLivePointerTests(PostgresServer server) : IDisposable
{
    private const ulong Guild = 42, DiscordChannel = 7;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
    }

    private sealed record Instance(RetrainHarness Harness, AdapterRegistry Main, ChannelVoices Voices, EngineReplyWriter Writer, LivePointerFollower Follower, PostgresCommentStore Store);

    private Instance Start(string name, string connectionString)
    {
        var h = new RetrainHarness();
        _owned.Add(h);
        var main = new AdapterRegistry(h.Folder.File("adapters-main"));
        SourceEntry[] sources =
        [
            new("main", SourcePlatform.YouTube, "Shaw Talks", "UCshaw", 0, [], [], main.Root, IsDefault: true),
            new("community", SourcePlatform.Discord, "Shaw's community", null, Guild, [DiscordChannel], []),   // no registry: the global voice
        ];
        var voices = new ChannelVoices(h.Model, sources, 512L << 20, NullLogger<ChannelVoices>.Instance);
        var store = new PostgresCommentStore(Options.Create(new StoreOptions { Provider = StoreProvider.Postgres, ConnectionString = connectionString, InstanceId = name }), TimeProvider.System);
        _owned.Add(store);
        var follower = new LivePointerFollower(store, h.Admin, Options.Create(new AdaptersOptions { StorePointerPollInterval = TimeSpan.FromSeconds(1) }),
            Options.Create(new StoreOptions { InstanceId = name }), NullLogger<LivePointerFollower>.Instance, TimeProvider.System, voices);
        _owned.Add(follower);
        h.Model.EnsureLoaded();
        return new Instance(h, main, voices, new EngineReplyWriter(h.Model, NullLogger<EngineReplyWriter>.Instance, null, voices), follower, store);
    }

    /// <summary>Adds a random, non-zero adapter to <paramref name="registry"/> as its next version (not made live).</summary>
    private static string AddVersion(RetrainHarness h, AdapterRegistry registry, ulong seed)
    {
        var adapter = LoraAdapter.CreateNew(h.Model.Model.Config, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj", "down_proj"] }, seed);
        var rng = new SplitMix(seed * 1000);
        foreach (var m in adapter.Modules)
        {
            var b = adapter.B(m);
            for (int i = 0; i < b.Length; i++) b[i] = (float)(0.2 * rng.NextGaussian());
        }

        string peft = h.Folder.File($"peft-{seed}");
        PeftAdapterFiles.Save(adapter, peft);
        return registry.AddVersion(peft, n => new AdapterMetadata { Version = n, CreatedAt = DateTimeOffset.UtcNow, BaseModel = "tiny", DatasetHash = "", Promoted = true }, [], []).Name;
    }

    private static float[] Logits(RetrainHarness h, int[] prompt, LoraAdapter? adapter)
    {
        var logits = new float[h.Model.Model.Config.VocabSize];
        new InferenceSession(h.Model.Model, 256).Forward(prompt, logits, false, adapter);
        return logits;
    }

    private static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    private static int[] Prompt(RetrainHarness h) =>
        h.Model.Prompt.Build(new PromptSlots("what is a LoRA adapter?", null, null, null), h.Model.Generator.ContextTokens - h.Model.Options.MaxNewTokens).Ids;

    private static Task<ReplyDraft> Draft(Instance i, string commentId, string? sourceId) =>
        i.Writer.WriteAsync(new ReplyRequest(commentId, "what is a LoRA adapter?", "viewer", null, SourceId: sourceId), None);

    [Fact]
    public async Task A_promotion_on_one_instance_is_what_the_other_instance_drafts_with_next()
    {
        var connectionString = server.CreateDatabase();
        var a = Start("instance-a", connectionString);
        var b = Start("instance-b", connectionString);
        string discordComment = CommentOrigin.DiscordCommentId(Guild, DiscordChannel, 1001);
        Assert.Equal((0, 0), (await a.Follower.SyncOnceAsync(None), await b.Follower.SyncOnceAsync(None)));   // nothing promoted anywhere yet
        Assert.Equal(("base", "base"), ((await Draft(b, "UgyMain1", "main")).AdapterVersion, (await Draft(b, discordComment, null)).AdapterVersion));

        // Instance A promotes: its global voice through the live adapter (a retrain or an import does this), and channel main in its own registry.
        string global1 = AddVersion(a.Harness, a.Harness.Registry, 37);
        Assert.True(a.Harness.Admin.Activate(global1, "retrain", "nightly: eval loss 1.2 < 1.5").Accepted);
        string main1 = AddVersion(a.Harness, a.Main, 11);
        a.Main.SetActive(main1, "retrain", "nightly (main): eval loss 0.9 < 1.1");
        Assert.Equal(0, await a.Follower.SyncOnceAsync(None));                                   // publishes both, applies nothing
        var pointers = (await b.Store.ListLiveAdaptersAsync(None)).ToDictionary(p => p.SourceKey);
        Assert.Equal(("v0001", a.Harness.Registry.VersionPath("v0001"), "instance-a", 1L),
            (pointers[ILiveAdapterPointers.Global].Version, pointers[ILiveAdapterPointers.Global].Path, pointers[ILiveAdapterPointers.Global].PromotedBy, pointers[ILiveAdapterPointers.Global].Sequence));
        Assert.Equal(("v0001", "instance-a"), (pointers["main"].Version, pointers["main"].PromotedBy));

        // Instance B follows: same versions, now in its own registries, and its engine reports and computes with them.
        Assert.Equal(2, await b.Follower.SyncOnceAsync(None));
        Assert.NotEqual(a.Harness.Registry.Root, b.Harness.Registry.Root);
        Assert.Equal(("v0001", "v0001"), (b.Harness.Registry.ActiveVersion, b.Main.ActiveVersion));
        Assert.Equal("v0001", b.Harness.Model.Adapters.Active?.Version);                        // the global swap, no restart
        Assert.Equal(("v0001", "v0001"), ((await Draft(b, "UgyMain2", "main")).AdapterVersion, (await Draft(b, discordComment, null)).AdapterVersion));
        int[] prompt = Prompt(b.Harness);
        var promotedMain = PeftAdapterFiles.Load(a.Main.VersionPath(main1), b.Harness.Model.Model.Config, main1);
        var promotedGlobal = PeftAdapterFiles.Load(a.Harness.Registry.VersionPath(global1), b.Harness.Model.Model.Config, global1);
        Assert.Equal(0d, MaxAbsDiff(Logits(b.Harness, prompt, b.Voices.For("UgyMain3", "main").Adapter), Logits(b.Harness, prompt, promotedMain)));
        Assert.Equal(0d, MaxAbsDiff(Logits(b.Harness, prompt, b.Harness.Model.Adapters.Active), Logits(b.Harness, prompt, promotedGlobal)));
        Assert.True(MaxAbsDiff(Logits(b.Harness, prompt, promotedMain), Logits(b.Harness, prompt, null)) > 1e-2, "the promoted adapter left the base's logits as they were");
        Assert.Equal(0, await a.Follower.SyncOnceAsync(None));                                   // A sees its own promotion: nothing to apply

        // A second promotion on A (channel main), then a rollback of the global voice on B: each reaches the other instance.
        string main2 = AddVersion(a.Harness, a.Main, 12);
        a.Main.SetActive(main2, "retrain", "nightly (main) again");
        await a.Follower.SyncOnceAsync(None);
        Assert.Equal(1, await b.Follower.SyncOnceAsync(None));
        Assert.Equal("v0002", (await Draft(b, "UgyMain4", "main")).AdapterVersion);
        Assert.True(MaxAbsDiff(Logits(b.Harness, prompt, b.Voices.For("UgyMain5", "main").Adapter), Logits(b.Harness, prompt, promotedMain)) > 1e-2, "B still drafts with v0001");

        Assert.True((await b.Harness.Admin.RollbackAsync("moderator", None)).Accepted);          // B: back to the base model
        Assert.Equal(0, await b.Follower.SyncOnceAsync(None));
        Assert.Equal(1, await a.Follower.SyncOnceAsync(None));
        Assert.Null(a.Harness.Model.Adapters.Active);
        Assert.Equal("base", (await Draft(a, discordComment, null)).AdapterVersion);
        var global = (await a.Store.ListLiveAdaptersAsync(None)).Single(p => p.SourceKey == ILiveAdapterPointers.Global);
        Assert.Equal(((string?)null, (string?)null, "instance-b", 2L), (global.Version, global.Path, global.PromotedBy, global.Sequence));
    }
}
