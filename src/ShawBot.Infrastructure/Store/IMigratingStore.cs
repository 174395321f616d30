namespace ShawBot.Infrastructure.Store;

/// <summary>A store whose schema is applied as numbered migrations on start (see README "Running on PostgreSQL").</summary>
public interface IMigratingStore
{
    /// <summary>Applies the pending migrations once (later calls return the same task); returns the schema version.</summary>
    Task<int> MigrateAsync();
}
