using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Pipeline;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>
/// The retrain parts wired by hand around the golden tiny model (with a byte-level tokenizer), a
/// SQLite store and a registry in a temporary folder; short prompts keep examples small.
/// </summary>
public sealed class RetrainHarness : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly bool _ownsFolder;
    private int _comments;

    public RetrainHarness(Action<RetrainOptions>? configure = null, TempFolder? folder = null)
    {
        _ownsFolder = folder is null;
        Folder = folder ?? new TempFolder();
        string model = Path.Combine(Folder.Path, "tiny-mistral");
        if (!Directory.Exists(model)) EngineEndToEndTests.TinyModelWithTokenizer(model);
        string prompts = Folder.File("prompts");
        Directory.CreateDirectory(prompts);
        File.WriteAllText(Path.Combine(prompts, "instructions.txt"), "Reply as Shaw.");
        File.WriteAllText(Path.Combine(prompts, "template.txt"), "<s>[INST] {instructions} \n{comment} \n[/INST]\n{reply}</s>");
        Options = TestOptions(Folder.Path);
        configure?.Invoke(Options);
        Engine = new EngineOptions { ModelPath = model, PromptsPath = prompts, MaxNewTokens = 8, RepetitionPenalty = 1.0, ContextTokens = 256 };
        Store = new SqliteCommentStore(Microsoft.Extensions.Options.Options.Create(new StoreOptions { DatabasePath = Folder.File("shawbot.db") }), TimeProvider.System);
        Registry = new AdapterRegistry(AdaptersPath(Folder.Path));
        Model = new LanguageModel(Microsoft.Extensions.Options.Options.Create(Engine), NullLogger<LanguageModel>.Instance,
            new RegistryStartupAdapter(Registry, NullLogger<RegistryStartupAdapter>.Instance));
        Admin = new LiveAdapter(Registry, NullLogger<LiveAdapter>.Instance, Model);
        Runner = new RetrainRunner(Model, Store, Registry, Admin, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<RetrainRunner>.Instance);
        Coordinator = new RetrainCoordinator(Runner, [new LogRetrainReporter(Registry, NullLogger<LogRetrainReporter>.Instance)], NullLogger<RetrainCoordinator>.Instance);
        Writer = new EngineReplyWriter(Model, NullLogger<EngineReplyWriter>.Instance);
    }

    public TempFolder Folder { get; }
    public RetrainOptions Options { get; }
    public EngineOptions Engine { get; }
    public SqliteCommentStore Store { get; }
    public AdapterRegistry Registry { get; }
    public LanguageModel Model { get; }
    public LiveAdapter Admin { get; }
    public RetrainRunner Runner { get; }
    public RetrainCoordinator Coordinator { get; }
    public EngineReplyWriter Writer { get; }

    public static string AdaptersPath(string root) => Path.Combine(root, "adapters");

    /// <summary>Small and fast: all-linear rank 4, lr 1e-2, 12 steps, 2 samples of 8 tokens.</summary>
    public static RetrainOptions TestOptions(string root) => new()
    {
        SchedulerDatabasePath = Path.Combine(root, "scheduler.db"),
        MinNewExamples = 5, PromotionMargin = 0.01, EvalFraction = 0.25, Epochs = 10, MaxSteps = 12, Rank = 4, Alpha = 8,
        Dropout = 0, Targets = "all-linear", LearningRate = 1e-2, BatchSize = 4, GradientAccumulation = 1, MaxLength = 96,
        SampleCount = 2, SampleMaxNewTokens = 8, Seed = 7,
        // Full priority: the test machine is shared, and nice 10 would only make the tests slow (BelowNormalThreadTests checks the mechanism).
        LowPriority = false,
    };

    /// <summary>
    /// Takes <paramref name="count"/> new comments through draft → decision → posted, so they are
    /// curated examples; every third is an edit. Replies follow one pattern the adapter can learn.
    /// </summary>
    /// <param name="idOf">The stored comment id for the n-th comment (a Discord id puts it in a Discord source); default c001, c002, ….</param>
    public async Task<IReadOnlyList<string>> AddCuratedAsync(int count, DecisionKind kind = DecisionKind.Approve, Func<int, string>? idOf = null)
    {
        var ids = new List<string>();
        for (int n = 0; n < count; n++)
        {
            int i = Interlocked.Increment(ref _comments);
            string id = idOf?.Invoke(i) ?? $"c{i:D3}";
            var comment = new Comment(id, id, "vid1", "LoRA explained", $"UC{i}", $"viewer {i}", $"great video number {i}, thanks!", T0.AddMinutes(i), T0.AddMinutes(i));
            Assert.True(await Store.AddCommentAsync(comment, CommentState.New, null, None));
            Assert.True(await Store.TryBeginDraftingAsync(id, None));
            var draft = (await Store.SaveDraftAsync(id, new ReplyDraft($"draft {i}", "tiny", "base", SamplingSettings.Greedy), T0.AddMinutes(i), None))!;
            var decisionKind = kind == DecisionKind.Approve && i % 3 == 0 ? DecisionKind.Edit : kind;
            string? final = decisionKind switch
            {
                DecisionKind.Edit => $"thanks {i}! glad it helped –ShawGPT",
                DecisionKind.Approve => $"thanks {i}! glad you liked it –ShawGPT",
                _ => null,
            };
            await Store.RecordDecisionAsync(draft.DraftId, decisionKind, new Moderator("m1", "mod"), final ?? (kind == DecisionKind.Approve ? draft.Text : null), T0.AddMinutes(i), None);
            if (decisionKind is DecisionKind.Approve or DecisionKind.Edit)
            {
                Assert.NotNull(await Store.TryBeginPostingAsync(id, None));
                Assert.True(await Store.MarkPostedAsync(id, new PublishedReply($"r{i}", final!, T0.AddMinutes(i + 1)), None));
            }
            ids.Add(id);
        }
        return ids;
    }

    public Task<ReplyDraft> DraftAsync(string text = "what is a LoRA adapter?") =>
        Writer.WriteAsync(new ReplyRequest("probe", text, "viewer", null), None);

    public void Dispose()
    {
        Coordinator.Dispose();
        Coordinator.WhenIdleAsync().Wait(TimeSpan.FromSeconds(30));
        Model.Dispose();
        if (_ownsFolder) Folder.Dispose();
    }
}
