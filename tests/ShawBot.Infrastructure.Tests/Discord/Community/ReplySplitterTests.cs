using ShawBot.Infrastructure.Discord.Community;
using ShawBot.Infrastructure.Discord.Models;

namespace ShawBot.Infrastructure.Tests.Discord.Community;

public sealed class ReplySplitterTests
{
    [Fact]
    public void Text_within_the_limit_is_one_part_trimmed()
    {
        Assert.Equal(["Hello there."], ReplySplitter.Split("  Hello there.\n"));
        var exactly = new string('a', DiscordLimits.MessageContent);
        Assert.Equal([exactly], ReplySplitter.Split(exactly));
        Assert.Empty(ReplySplitter.Split("   "));
    }

    [Fact]
    public void Parts_end_at_the_last_sentence_end_that_fits()
    {
        // max 20: "One. Two three? Four" — the last end with white space after it within 20 is after "three?".
        Assert.Equal(["One. Two three?", "Four five six."], ReplySplitter.Split("One. Two three? Four five six.", 20));
        // A full stop inside a number or a URL is not a sentence end.
        Assert.Equal(["Use v1.5 or", "v2.0 please."], ReplySplitter.Split("Use v1.5 or v2.0 please.", 14));
        // A line break is an end, even without punctuation.
        Assert.Equal(["Line one", "and line two"], ReplySplitter.Split("Line one\nand line two", 14));
        // A sentence end exactly at the limit counts (the next character is looked at).
        Assert.Equal(["Exactly ten.", "Next."], ReplySplitter.Split("Exactly ten. Next.", 12));
    }

    [Fact]
    public void Without_sentence_ends_parts_end_at_white_space_else_at_the_limit_but_never_inside_a_surrogate_pair()
    {
        Assert.Equal(["aaaa bbbb", "cccc"], ReplySplitter.Split("aaaa bbbb cccc", 10));
        Assert.Equal(["abcdefghij", "klm"], ReplySplitter.Split("abcdefghijklm", 10));
        var emoji = "abcdefghi\U0001F600xyz"; // the pair sits at positions 9 and 10
        Assert.Equal(["abcdefghi", "\U0001F600xyz"], ReplySplitter.Split(emoji, 10));
    }

    [Fact]
    public void Every_part_of_a_long_reply_fits_and_the_parts_rebuild_the_text()
    {
        var random = new Random(16);
        var words = Enumerable.Range(0, 2000).Select(i => random.Next(8) switch
        {
            0 => "end.",
            1 => "why?",
            _ => new string((char)('a' + random.Next(26)), random.Next(1, 12)),
        });
        var text = string.Join(' ', words);
        var parts = ReplySplitter.Split(text);
        Assert.True(parts.Count >= 2);
        Assert.All(parts, p => Assert.InRange(p.Length, 1, DiscordLimits.MessageContent));
        Assert.Equal(text, string.Join(' ', parts));
        Assert.All(parts.SkipLast(1), p => Assert.True(p.EndsWith('.') || p.EndsWith('?'), $"part ends mid-sentence: …{p[^20..]}"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReplySplitter.Split("x", 1));
    }
}
