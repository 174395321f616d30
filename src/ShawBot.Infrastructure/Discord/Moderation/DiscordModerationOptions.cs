using System.ComponentModel.DataAnnotations;

namespace ShawBot.Infrastructure.Discord.Moderation;

/// <summary>Section "ShawBot:Discord": the bot, where drafts go, and who may decide them.</summary>
public sealed class DiscordModerationOptions : IValidatableObject
{
    public const string Section = "ShawBot:Discord";

    /// <summary>Bot token from the developer portal (secret: user secrets or environment, never logged).</summary>
    [Required(AllowEmptyStrings = false)]
    public string BotToken { get; set; } = "";

    /// <summary>Discord moderation runs when a bot token is set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(BotToken);

    [Range(typeof(ulong), "1", "18446744073709551615")]
    public ulong ApplicationId { get; set; }

    /// <summary>Guild whose slash commands are registered (guild commands update at once; global ones can take an hour).</summary>
    [Range(typeof(ulong), "1", "18446744073709551615")]
    public ulong GuildId { get; set; }

    /// <summary>Channel that receives one message per draft.</summary>
    [Range(typeof(ulong), "1", "18446744073709551615")]
    public ulong ChannelId { get; set; }

    /// <summary>Users who may act on drafts and run /shawbot.</summary>
    public List<ulong> ModeratorUserIds { get; set; } = [];

    /// <summary>Members with any of these roles may act too.</summary>
    public List<ulong> ModeratorRoleIds { get; set; } = [];

    /// <summary>REST root with version; the sandbox's http://127.0.0.1:port/api/v10 in tests and the demo.</summary>
    [Required, Url]
    public string ApiBaseUrl { get; set; } = "https://discord.com/api/v10";

    /// <summary>Optional fixed gateway URL; normally taken from GET /gateway/bot.</summary>
    [Url]
    public string? GatewayUrl { get; set; }

    /// <summary>Register /shawbot globally instead of in <see cref="GuildId"/>.</summary>
    public bool RegisterCommandsGlobally { get; set; }

    /// <summary>Home page in the User-Agent header.</summary>
    [Required, Url]
    public string UserAgentUrl { get; set; } = "https://github.com/shawbot/shawbot";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ModeratorUserIds.Count == 0 && ModeratorRoleIds.Count == 0)
        {
            yield return new ValidationResult(
                "Name at least one moderator user id or role id, or nobody can act on drafts.",
                [nameof(ModeratorUserIds), nameof(ModeratorRoleIds)]);
        }
    }

    /// <summary>True when the user, or one of their roles, is on the allowlist.</summary>
    public bool IsModerator(ulong userId, IEnumerable<ulong> roleIds) =>
        ModeratorUserIds.Contains(userId) || roleIds.Any(ModeratorRoleIds.Contains);
}
