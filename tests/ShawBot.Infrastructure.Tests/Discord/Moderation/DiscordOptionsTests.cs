using ShawBot.Core.Options;
using ShawBot.Infrastructure.Discord.Moderation;

namespace ShawBot.Infrastructure.Tests.Discord.Moderation;

public sealed class DiscordOptionsTests
{
    private static DiscordModerationOptions Valid() => new()
    {
        BotToken = "t",
        ApplicationId = 1,
        GuildId = 2,
        ChannelId = 3,
        ModeratorUserIds = [4],
    };

    private static string[] Failures(DiscordModerationOptions options)
    {
        var result = new DataAnnotationsValidator<DiscordModerationOptions>().Validate(null, options);
        return result.Failed ? result.Failures!.ToArray() : [];
    }

    [Fact]
    public void Valid_Passes() => Assert.Empty(Failures(Valid()));

    [Fact]
    public void MissingToken_Ids_OrApiUrl_Fail_NamingTheField()
    {
        Assert.Contains(Failures(Valid().WithToken("")), f => f.Contains("BotToken"));
        var noChannel = Valid();
        noChannel.ChannelId = 0;
        Assert.Contains(Failures(noChannel), f => f.Contains("ChannelId"));
        var badUrl = Valid();
        badUrl.ApiBaseUrl = "not a url";
        Assert.Contains(Failures(badUrl), f => f.Contains("ApiBaseUrl"));
    }

    [Fact]
    public void NoModerators_Fails()
    {
        var options = Valid();
        options.ModeratorUserIds = [];
        Assert.Contains(Failures(options), f => f.Contains("ModeratorUserIds"));
        options.ModeratorRoleIds = [9];
        Assert.Empty(Failures(options));
    }

    [Fact]
    public void IsModerator_ByUserOrRole()
    {
        var options = Valid();
        options.ModeratorRoleIds = [50];
        Assert.True(options.IsModerator(4, []));
        Assert.True(options.IsModerator(99, [7, 50]));
        Assert.False(options.IsModerator(99, [7]));
    }

    [Fact]
    public void CustomIds_RoundTrip_AndRejectForeignOnes()
    {
        foreach (var action in Enum.GetValues<ReviewAction>())
        {
            var id = new ReviewCustomId(action, long.MaxValue);
            Assert.True(id.ToString().Length <= 100);
            Assert.True(ReviewCustomId.TryParse(id.ToString(), out var parsed));
            Assert.Equal(id, parsed);
        }
        Assert.False(ReviewCustomId.TryParse("sb:launch:1", out _));
        Assert.False(ReviewCustomId.TryParse("sb:approve:x", out _));
        Assert.False(ReviewCustomId.TryParse("sb:approve:-1", out _));
        Assert.False(ReviewCustomId.TryParse("other:approve:1", out _));
        Assert.False(ReviewCustomId.TryParse(null, out _));
    }
}

internal static class DiscordOptionsTestExtensions
{
    public static DiscordModerationOptions WithToken(this DiscordModerationOptions options, string token)
    {
        options.BotToken = token;
        return options;
    }
}
