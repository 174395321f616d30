using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Store;

/// <summary>The store contract (<see cref="CommentStoreContractTests"/>) on SQLite, plus what only SQLite has (WAL).</summary>
public sealed class SqliteCommentStoreTests : CommentStoreContractTests, IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    protected override ICommentStore NewStore(TimeProvider? time = null, string? owner = null) => NewSqliteStore(time, owner);

    protected override DbException ExecuteRefused(string sql)
    {
        using var connection = Open();
        return Assert.Throws<SqliteException>(() => Scalar(connection, sql));
    }

    protected override IReplyPartStore NewReplyPartStore() => new SqliteReplyPartStore(StoreOptionsFor(null), (SqliteCommentStore)Store);

    protected override IScreeningStore NewScreeningStore() => new SqliteScreeningStore((SqliteCommentStore)Store, StoreOptionsFor(null));

    protected override IVideoCatalog NewVideoCatalog() => new SqliteVideoCatalog((SqliteCommentStore)Store, StoreOptionsFor(null), TimeProvider.System);

    private IOptions<StoreOptions> StoreOptionsFor(string? owner) =>
        Options.Create(new StoreOptions { DatabasePath = _folder.File("db/shawbot.db"), InstanceId = owner });

    private SqliteCommentStore NewSqliteStore(TimeProvider? time = null, string? owner = null) =>
        new(StoreOptionsFor(owner), time ?? TimeProvider.System);

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={_folder.File("db/shawbot.db")}");
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task Migrations_run_once_and_the_database_is_in_WAL_mode()
    {
        const int latest = 6; // 1 initial schema, 2 reply_parts, 3 video catalog and screening, 4 work leases, 5 comment source entry, 6 live adapter pointers
        Assert.Equal(latest, await ((SqliteCommentStore)Store).MigrateAsync());
        Assert.Equal(latest, await NewSqliteStore().MigrateAsync()); // a second start applies nothing new
        using var connection = Open();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode;"));
        Assert.Equal((long)latest, Scalar(connection, "SELECT COUNT(*) FROM schema_migrations;"));
        Assert.Equal("work leases", Scalar(connection, "SELECT name FROM schema_migrations WHERE version = 4;"));
        Assert.Equal("comment source entry", Scalar(connection, "SELECT name FROM schema_migrations WHERE version = 5;"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM pragma_table_info('comments') WHERE name = 'source_id';"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'live_adapters';"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'reply_parts';"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'draft_flags';"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'view' AND name = 'curated_examples';"));
    }

    [Fact]
    public async Task A_version_4_database_gains_the_source_column_and_its_comments_belong_to_the_default_channel()
    {
        Directory.CreateDirectory(_folder.File("db"));
        using (var connection = Open())
        {
            void Exec(string sql)
            {
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                command.ExecuteNonQuery();
            }

            Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);");
            foreach (var (version, name, sql) in Migrations.All.Take(4))
            {
                Exec(sql);
                Exec($"INSERT INTO schema_migrations VALUES ({version}, '{name}', '{SqliteDb.Time(DateTimeOffset.UnixEpoch)}');");
            }

            var at = SqliteDb.Time(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
            Exec($"""
                INSERT INTO comments (comment_id, thread_id, video_id, video_title, author_channel_id, author_display_name, text,
                                      published_at, updated_at, state, first_seen_at, state_changed_at)
                VALUES ('old1', 'old1', 'vid', 'A video', 'UCa', 'ann', 'stored before channels were recorded', '{at}', '{at}', 'New', '{at}', '{at}');
                """);
        }

        var store = NewSqliteStore();
        Assert.Equal(6, await store.MigrateAsync());
        var old = (await store.GetCommentAsync("old1", CancellationToken.None))!.Comment;
        Assert.Equal(("stored before channels were recorded", (string?)null), (old.Text, old.SourceId));
        ShawBot.Core.Sources.SourceEntry[] entries =
        [
            new("labs", ShawBot.Core.Sources.SourcePlatform.YouTube, "Shaw Labs", "UClabs", 0, [], [], TokenDirectory: "secrets/labs"),
            new("main", ShawBot.Core.Sources.SourcePlatform.YouTube, "Shaw Talks", "UCmain", 0, [], [], IsDefault: true),
        ];
        Assert.Equal("main", ShawBot.Core.Sources.SourceDirectory.For(entries, old)!.Id);
        Assert.Empty(await store.ListCuratedExamplesAsync(CancellationToken.None));   // the view, recreated with the column, reads
    }
}
