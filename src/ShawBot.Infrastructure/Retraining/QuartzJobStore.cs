using Npgsql;
using Quartz;
using ShawBot.Infrastructure.Store;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// Where Quartz keeps the retrain schedule, chosen with the comment store (ShawBot:Store:Provider): SQLite, its own
/// file (one host); PostgreSQL, the QRTZ_* tables in the shared database, clustered, so across all hosts each
/// trigger fires on exactly one (Quartz's row lock on QRTZ_LOCKS; hosts check in every 7.5 s, and a host that
/// stops checking in has its fired triggers recovered by another). Misfires: a fire later than
/// ShawBot:Retrain:MisfireThreshold (all hosts down at 03:00) fires once when a host is back, then proceeds (FireAndProceed).
/// </summary>
public static class QuartzJobStore
{
    private const string PostgresScript = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    /// <summary>Configures <paramref name="store"/> for the provider in <paramref name="storeOptions"/>.</summary>
    public static void Configure(IPersistentStoreBuilder store, StoreOptions storeOptions, RetrainOptions retrain)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(storeOptions);
        ArgumentNullException.ThrowIfNull(retrain);
        if (storeOptions.Provider == StoreProvider.Postgres)
        {
            store.UsePostgres(storeOptions.ConnectionString!);
            store.UseClustering();
        }
        else
        {
            store.UseSqlite(QuartzSqliteSchema.ConnectionString(retrain.SchedulerDatabasePath));
        }

        store.UseSystemTextJsonSerializer();
        store.ConfigureStore(s => s.MisfireThreshold = retrain.MisfireThreshold);
    }

    /// <summary>Creates the missing QRTZ_* tables for the provider (Quartz's own script; safe to run on every start).</summary>
    public static void EnsureCreated(StoreOptions storeOptions, RetrainOptions retrain)
    {
        ArgumentNullException.ThrowIfNull(storeOptions);
        ArgumentNullException.ThrowIfNull(retrain);
        if (storeOptions.Provider != StoreProvider.Postgres)
        {
            QuartzSqliteSchema.EnsureCreated(retrain.SchedulerDatabasePath);
            return;
        }

        using var connection = new NpgsqlConnection(storeOptions.ConnectionString);
        connection.Open();
        using var tx = connection.BeginTransaction();
        // Hosts starting together create the tables one after the other.
        using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('shawbot.quartz-schema'));", connection, tx))
        {
            lockCommand.ExecuteNonQuery();
        }

        foreach (var statement in QuartzSqliteSchema.Statements(PostgresScript))
        {
            using var command = new NpgsqlCommand(statement, connection, tx);
            command.ExecuteNonQuery();
        }

        tx.Commit();
    }
}
