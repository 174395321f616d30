namespace ShawBot.Infrastructure.Store;

/// <summary>
/// The schema as numbered steps, each written for both providers: the SQLite and the PostgreSQL text of step N make
/// the same change. On start each store applies, in order and each in its own transaction, the steps not yet
/// recorded in its schema_migrations. Never edit a shipped step: append the next number with both texts.
/// </summary>
internal static class Migrations
{
    public static IReadOnlyList<(int Version, string Name, string Sqlite, string Postgres)> Steps { get; } =
    [
        (1, "initial schema", InitialSchema.Render(SchemaDialect.Sqlite), InitialSchema.Render(SchemaDialect.Postgres)),
        (2, "work leases",
            "ALTER TABLE comments ADD COLUMN claimed_by TEXT; ALTER TABLE comments ADD COLUMN lease_until TEXT;",
            "ALTER TABLE comments ADD COLUMN claimed_by text; ALTER TABLE comments ADD COLUMN lease_until timestamptz;"),
    ];

    /// <summary>The steps in SQLite's dialect.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } = [.. Steps.Select(s => (s.Version, s.Name, s.Sqlite))];

    /// <summary>The steps in PostgreSQL's dialect.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Postgres { get; } = [.. Steps.Select(s => (s.Version, s.Name, s.Postgres))];
}
