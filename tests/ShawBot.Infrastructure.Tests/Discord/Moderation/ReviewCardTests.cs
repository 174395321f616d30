using ShawBot.Core.Domain;
using ShawBot.Core.Screening;
using ShawBot.Infrastructure.Discord.Moderation;

namespace ShawBot.Infrastructure.Tests.Discord.Moderation;

/// <summary>The Discord card of a screened draft: the video title as the embed title, each screening reason in the flags field.</summary>
public sealed class ReviewCardTests
{
    [Fact]
    public void The_card_shows_the_video_title_and_every_screening_reason()
    {
        var at = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        var comment = new Comment("c1", "c1", "Qx7LmR2pA9c", "Fine-tuning LLMs with QLoRA", "UCx", "@cryptoKing_777",
            "🚀 Turn $100 into $10,000 with my AI trading signals, link in bio 🚀", at, at);
        var draft = new Draft(7, "c1", "Thanks! –ShawGPT", "tiny", "v0001", "greedy", at);
        string[] flags = ["spam: link (“link in bio”)", "spam: money (“Turn $100”)", "spam: crypto (“trading signals”)", DraftScreening.YouTubeLikelySpam];

        var card = ReviewMessages.Review(new ReviewItem(comment, draft, flags));

        var embed = card.Embeds![0];
        Assert.Equal("▶️ YouTube · Fine-tuning LLMs with QLoRA", embed.Title); // the source, then the video title
        var field = Assert.Single(embed.Fields!);
        Assert.Equal("⚠️ Flags", field.Name);
        Assert.Equal("spam: link (“link in bio”); spam: money (“Turn $100”); spam: crypto (“trading signals”); likely spam (YouTube)", field.Value);
    }
}
