using System.ComponentModel.DataAnnotations;

namespace ShawBot.Infrastructure.Store;

/// <summary>Section "ShawBot:Store".</summary>
public sealed class StoreOptions
{
    public const string Section = "ShawBot:Store";

    /// <summary>SQLite database file; created with its folder when missing.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DatabasePath { get; set; } = "data/shawbot.db";
}
