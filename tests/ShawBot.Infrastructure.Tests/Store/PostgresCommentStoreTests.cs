using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Discord.Community;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Store.Postgres;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Store;

/// <summary>
/// The store contract (<see cref="CommentStoreContractTests"/>) on a real PostgreSQL server (<see cref="PostgresServer"/>),
/// each test on its own new database, plus what only the PostgreSQL store has.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCommentStoreTests(PostgresServer server) : CommentStoreContractTests, IDisposable
{
    private readonly string _connectionString = server.CreateDatabase();
    private readonly List<PostgresCommentStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
    }

    protected override ICommentStore NewStore(TimeProvider? time = null, string? owner = null) => NewPostgresStore(time, owner);

    protected override DbException ExecuteRefused(string sql)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Assert.Throws<PostgresException>(() => command.ExecuteNonQuery());
    }

    protected override IReplyPartStore NewReplyPartStore() => new PostgresReplyPartStore((PostgresCommentStore)Store);

    protected override IScreeningStore NewScreeningStore() => new PostgresScreeningStore((PostgresCommentStore)Store);

    protected override IVideoCatalog NewVideoCatalog() => new PostgresVideoCatalog((PostgresCommentStore)Store, TimeProvider.System);

    private PostgresCommentStore NewPostgresStore(TimeProvider? time = null, string? owner = null)
    {
        var options = new StoreOptions { Provider = StoreProvider.Postgres, ConnectionString = _connectionString, InstanceId = owner };
        var store = new PostgresCommentStore(Options.Create(options), time ?? TimeProvider.System);
        _stores.Add(store);
        return store;
    }

    private object? Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task Migrations_run_once_even_when_two_hosts_start_together()
    {
        var versions = await Task.WhenAll(NewPostgresStore().MigrateAsync(), NewPostgresStore().MigrateAsync());
        Assert.Equal(new[] { 6, 6 }, versions);
        Assert.Equal(6, await NewPostgresStore().MigrateAsync()); // a third start applies nothing new
        Assert.Equal(6L, Scalar("SELECT COUNT(*) FROM schema_migrations;"));
        Assert.Equal("initial schema", Scalar("SELECT name FROM schema_migrations WHERE version = 1;"));
        Assert.Equal("work leases", Scalar("SELECT name FROM schema_migrations WHERE version = 4;"));
        Assert.Equal("comment source entry", Scalar("SELECT name FROM schema_migrations WHERE version = 5;"));
        Assert.Equal("live adapter pointers", Scalar("SELECT name FROM schema_migrations WHERE version = 6;"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'comments' AND column_name = 'source_id';"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'live_adapters';"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'reply_parts';"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'draft_flags';"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM information_schema.views WHERE table_name = 'curated_examples';"));
    }

    [Fact]
    public async Task A_version_4_database_gains_the_source_column_and_its_comments_belong_to_the_default_channel()
    {
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            async Task Exec(string sql)
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }

            await Exec("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);");
            foreach (var (version, name, sql) in Migrations.Postgres.Take(4))
            {
                await Exec(sql);
                await Exec($"INSERT INTO schema_migrations VALUES ({version}, '{name}', now());");
            }

            await Exec("""
                INSERT INTO comments (comment_id, thread_id, video_id, video_title, author_channel_id, author_display_name, text,
                                      published_at, updated_at, state, first_seen_at, state_changed_at)
                VALUES ('old1', 'old1', 'vid', 'A video', 'UCa', 'ann', 'stored before channels were recorded', now(), now(), 'New', now(), now());
                """);
        }

        var store = NewPostgresStore();
        Assert.Equal(6, await store.MigrateAsync());
        var old = (await store.GetCommentAsync("old1", CancellationToken.None))!.Comment;
        Assert.Equal(("stored before channels were recorded", (string?)null), (old.Text, old.SourceId));
        ShawBot.Core.Sources.SourceEntry[] entries =
        [
            new("labs", ShawBot.Core.Sources.SourcePlatform.YouTube, "Shaw Labs", "UClabs", 0, [], [], TokenDirectory: "secrets/labs"),
            new("main", ShawBot.Core.Sources.SourcePlatform.YouTube, "Shaw Talks", "UCmain", 0, [], [], IsDefault: true),
        ];
        Assert.Equal("main", ShawBot.Core.Sources.SourceDirectory.For(entries, old)!.Id);
        Assert.Empty(await store.ListCuratedExamplesAsync(CancellationToken.None));
    }

    [Fact]
    public void The_postgres_provider_serves_every_role_from_one_postgres_store()
    {
        using var services = Services(new() { ["ShawBot:Store:Provider"] = "postgres", ["ShawBot:Store:ConnectionString"] = _connectionString });
        var store = services.GetRequiredService<PostgresCommentStore>();
        Assert.Same(store, services.GetRequiredService<ICommentStore>());
        Assert.Same(store, services.GetRequiredService<IQuotaStore>());
        Assert.Same(store, services.GetRequiredService<IPublishStore>());
        // The stores beside it are on PostgreSQL too: nothing in postgres mode writes to the SQLite file.
        Assert.IsType<PostgresVideoCatalog>(services.GetRequiredService<IVideoCatalog>());
        Assert.IsType<PostgresScreeningStore>(services.GetRequiredService<IScreeningStore>());
        Assert.IsType<PostgresReplyPartStore>(services.GetRequiredService<IReplyPartStore>());
    }

    [Fact]
    public void The_postgres_provider_without_a_connection_string_is_refused_by_name()
    {
        using var services = Services(new() { ["ShawBot:Store:Provider"] = "postgres" });
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StoreOptions>>().Value);
        Assert.Contains("ShawBot:Store:ConnectionString is required when ShawBot:Store:Provider is postgres", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddLogging()
            .AddShawBotInfrastructure(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddShawBotDiscordCommunity(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
}
