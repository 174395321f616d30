using Microsoft.Data.Sqlite;
using Quartz;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// Creates Quartz's ADO.NET job store tables (QRTZ_*) in the scheduler's own SQLite file before the
/// scheduler starts. The script is the one shipped inside the Quartz assembly we run
/// (Quartz.Impl.AdoJobStore.Schema.create_sqlite.sql), so the tables always match the store's
/// version; every statement is CREATE … IF NOT EXISTS, so running it on each start is safe.
/// </summary>
public static class QuartzSqliteSchema
{
    public const string TablePrefix = "QRTZ_";
    private const string ScriptResource = "Quartz.Impl.AdoJobStore.Schema.create_sqlite.sql";

    public static string ConnectionString(string databasePath) =>
        new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(databasePath), Pooling = false, DefaultTimeout = 30 }.ToString();

    /// <summary>Creates the file, its folder and every missing table, in one transaction.</summary>
    public static void EnsureCreated(string databasePath)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(databasePath));
        if (folder != null) Directory.CreateDirectory(folder);
        using var connection = new SqliteConnection(ConnectionString(databasePath));
        connection.Open();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }
        using var tx = connection.BeginTransaction();
        foreach (string statement in Statements())
        {
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = statement;
            command.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>The script's statements: split on lines reading exactly "--;;", prefix substituted, comment-only pieces dropped.</summary>
    internal static IReadOnlyList<string> Statements(string resource = ScriptResource)
    {
        using var stream = typeof(IJob).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the Quartz assembly has no {resource}; the QRTZ_* tables cannot be created");
        string script = new StreamReader(stream).ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        return [.. script.Split("\n--;;\n")
            .Select(s => s.Replace("{0}", TablePrefix, StringComparison.Ordinal).Replace("{1}", TablePrefix, StringComparison.Ordinal))
            .Where(s => s.Split('\n').Any(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("--", StringComparison.Ordinal)))];
    }
}
