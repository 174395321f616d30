using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShawBot.Core;
using ShawBot.Core.Domain;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Ports;
using ShawBot.Core.Screening;
using ShawBot.Infrastructure.Screening;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Screening;

/// <summary>
/// Drafting never waits for Lingua's models, and no draft stays unchecked: a comment drafted while they load is
/// shown with "language not checked", then gets its language flag once they are in, in the same process or
/// after a restart. The real detector, behind a gate that holds its readiness back; the real SQLite stores.
/// </summary>
public sealed class LanguageRecheckTests : IDisposable
{
    private const string German = "Top erklärt, vielen Dank! Das hat mir bei meinem Projekt sehr geholfen.";
    private const string EnglishDraft = "Thanks so much, I am really glad the explanation helped you with your project! –ShawGPT";
    private const string Mismatch = "draft in English, comment in German";
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_draft_made_while_the_models_load_gets_its_language_flag_once_they_are_in()
    {
        var gate = new GatedDetector();
        using var pipeline = Build(gate);
        var id = await pipeline.AddCommentAsync(German);

        await pipeline.Drafter.RunOnceAsync(None);     // not held up: drafted with the check pending
        var draftId = (await pipeline.Store.GetCommentAsync(id, None))!.CurrentDraftId!.Value;
        Assert.Equal([DraftScreening.LanguageNotChecked], await pipeline.FlagsAsync(draftId));
        Assert.Equal([DraftScreening.LanguageNotChecked], pipeline.Channel.Shown.Single().Flags);

        await gate.OpenAsync();
        await pipeline.Drafter.RunOnceAsync(None);
        Assert.Equal([Mismatch], await pipeline.FlagsAsync(draftId));
        Assert.Equal([(draftId, Mismatch)], pipeline.Channel.Shown.Skip(1).Select(s => (s.DraftId, string.Join("|", s.Flags))));
    }

    [Fact]
    public async Task A_draft_left_unchecked_by_a_stopped_run_is_checked_by_the_next_one()
    {
        long draftId;
        using (var first = Build(new GatedDetector()))
        {
            var id = await first.AddCommentAsync(German);
            await first.Drafter.RunOnceAsync(None);
            draftId = (await first.Store.GetCommentAsync(id, None))!.CurrentDraftId!.Value;
            Assert.Equal([DraftScreening.LanguageNotChecked], await first.FlagsAsync(draftId));
        }                                               // stopped before the models loaded: its queue is gone

        var gate = new GatedDetector();
        using var second = Build(gate);
        await second.Drafter.RunOnceAsync(None);
        Assert.Equal([DraftScreening.LanguageNotChecked], await second.FlagsAsync(draftId));   // still honest while loading

        await gate.OpenAsync();
        await second.Drafter.RunOnceAsync(None);
        Assert.Equal([Mismatch], await second.FlagsAsync(draftId));
        Assert.Equal((draftId, Mismatch), second.Channel.Shown.Select(s => (s.DraftId, string.Join("|", s.Flags))).Last());
        await second.Drafter.RunOnceAsync(None);        // checked once, not on every pass
        Assert.Single(second.Channel.Shown, s => s.DraftId == draftId && s.Flags.Contains(Mismatch));
    }

    private Pipeline Build(GatedDetector detector)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ShawBot:Channel:ChannelId"] = "UCowner",
            ["ShawBot:Poller:DailyQuotaBudget"] = "1000000",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddShawBotCore(configuration);
        var storeOptions = Options.Create(new StoreOptions { DatabasePath = _folder.File("s.db") });
        var store = new SqliteCommentStore(storeOptions, TimeProvider.System);
        store.MigrateAsync().GetAwaiter().GetResult();
        services.AddCommentStore(store);
        services.AddSingleton<IScreeningStore>(new SqliteScreeningStore(store, storeOptions));
        services.AddSingleton<ILanguageDetector>(detector);
        services.AddSingleton<IReplyWriter>(new FixedWriter());
        var channel = new RecordingChannel();
        services.AddSingleton<IModerationChannel>(channel);
        return new Pipeline(services.BuildServiceProvider(), channel);
    }

    private sealed class Pipeline(ServiceProvider services, RecordingChannel channel) : IDisposable
    {
        private int _next;

        public RecordingChannel Channel { get; } = channel;

        public Drafter Drafter => services.GetRequiredService<Drafter>();

        public ICommentStore Store => services.GetRequiredService<ICommentStore>();

        public async Task<string> AddCommentAsync(string text)
        {
            var id = $"c{++_next}";
            var at = DateTimeOffset.UtcNow;
            await Store.AddCommentAsync(new Comment(id, id, "v", "Video", "UCa", "ann", text, at, at), CommentState.New, null, None);
            return id;
        }

        public async Task<IReadOnlyList<string>?> FlagsAsync(long draftId) =>
            await services.GetRequiredService<IScreeningStore>().GetDraftFlagsAsync(draftId, None);

        public void Dispose() => services.Dispose();
    }

    /// <summary>Lingua's detector, reported not ready until <see cref="OpenAsync"/> (which waits for its models).</summary>
    private sealed class GatedDetector : ILanguageDetector
    {
        private readonly LinguaLanguageDetector _lingua = new(Options.Create(new ScreeningOptions()));
        private volatile bool _open;

        public bool IsReady => _open && _lingua.IsReady;

        public async Task OpenAsync()
        {
            await _lingua.Loaded;
            _open = true;
        }

        public DetectedLanguage? Detect(string text) => IsReady ? _lingua.Detect(text) : null;
    }

    private sealed class FixedWriter : IReplyWriter
    {
        public Task<ReplyDraft> WriteAsync(ReplyRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new ReplyDraft(EnglishDraft, "fixed", "none", SamplingSettings.Greedy));
    }

    private sealed class RecordingChannel : IModerationChannel
    {
        public List<(long DraftId, IReadOnlyList<string> Flags)> Shown { get; } = [];

        public string Name => "recording";

        public Task<string> PublishAsync(ReviewItem item, CancellationToken cancellationToken)
        {
            Shown.Add((item.Draft.DraftId, item.Flags));
            return Task.FromResult("ref-" + item.Comment.CommentId);
        }

        public Task UpdateAsync(string reference, ReviewItem item, CancellationToken cancellationToken)
        {
            Shown.Add((item.Draft.DraftId, item.Flags));
            return Task.CompletedTask;
        }

        public Task RetractAsync(string reference, string commentId, CommentState state, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
