using Npgsql;

namespace ShawBot.Infrastructure.Store.Postgres;

/// <summary>
/// Connections and transactions on PostgreSQL: one pooled <see cref="NpgsqlDataSource"/> per store, a connection
/// per operation, READ COMMITTED transactions whose read-then-write steps lock the rows they read
/// (<c>FOR UPDATE</c>) or the quota day (an advisory transaction lock), so several hosts can share the database.
/// </summary>
internal sealed class PostgresDb : IDisposable, IAsyncDisposable
{
    /// <summary>Key of the session advisory lock held while migrating: two hosts starting together migrate one after the other.</summary>
    private const long MigrationLockKey = 0x5348_4157_4D49_47; // "SHAWMIG"

    private readonly NpgsqlDataSource _source;

    public PostgresDb(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{StoreOptions.Section}:{nameof(StoreOptions.ConnectionString)} is not a valid Npgsql connection string: {e.Message}", e);
        }

        _source = NpgsqlDataSource.Create(builder);
    }

    public void Dispose() => _source.Dispose();

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    public async Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await work(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
        }
    }

    public async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await work(connection).ConfigureAwait(false);
        }
    }

    /// <summary>Every step of <paramref name="migrations"/> not yet in schema_migrations, each in its own transaction; returns the schema version.</summary>
    public async Task<int> MigrateAsync(IReadOnlyList<(int Version, string Name, string Sql)> migrations, CancellationToken cancellationToken)
    {
        var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await Exec(connection, null, "SELECT pg_advisory_lock(@key);", cancellationToken, ("key", MigrationLockKey)).ConfigureAwait(false);
            try
            {
                await Exec(connection, null, "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);", cancellationToken).ConfigureAwait(false);
                var version = 0;
                foreach (var (number, name, sql) in migrations)
                {
                    var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        await using var check = Command(connection, transaction, "SELECT COUNT(*) FROM schema_migrations WHERE version = @v;", ("v", number));
                        if ((long)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
                        {
                            await Exec(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
                            await Exec(connection, transaction, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, now());", cancellationToken, ("v", number), ("n", name)).ConfigureAwait(false);
                        }

                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }

                    version = number;
                }

                return version;
            }
            finally
            {
                await Exec(connection, null, "SELECT pg_advisory_unlock(@key);", CancellationToken.None, ("key", MigrationLockKey)).ConfigureAwait(false);
            }
        }
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static async Task<int> Exec(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>timestamptz takes UTC only.</summary>
    public static DateTimeOffset Utc(DateTimeOffset time) => time.ToUniversalTime();
}
