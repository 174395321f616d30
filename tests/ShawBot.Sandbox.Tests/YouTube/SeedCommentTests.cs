using ShawBot.Sandbox.YouTube;

namespace ShawBot.Sandbox.Tests.YouTube;

public sealed class SeedCommentTests
{
    [Fact]
    public void Reads_jsonl_and_spreads_comments_without_a_video_over_the_default_videos()
    {
        var jsonl = """
            {"videoId":"own1","videoTitle":"Fine-tuning","author":"ann","text":"great"}

            {"author":"bob","text":"first"}
            {"author":"cid","text":"second","videoTitle":"ignored without id"}
            """;
        var seeds = SeedComment.ReadJsonl(new StringReader(jsonl));
        Assert.Equal(3, seeds.Count);
        Assert.Equal(new SeedComment("own1", "Fine-tuning", "ann", "great"), seeds[0]);

        var sandbox = new YouTubeSandbox(new YouTubeSandboxOptions { DefaultVideoCount = 5 });
        var added = sandbox.Seed([.. seeds, .. Enumerable.Range(0, 8).Select(i => new SeedComment(null, null, "x", $"{i}"))]);
        Assert.Equal("own1", added[0].VideoId);
        Assert.Equal(5, added.Skip(1).Select(c => c.VideoId).Distinct().Count());
        Assert.Equal(6, sandbox.VideoIds().Count);
    }

    [Fact]
    public void A_bad_line_names_its_number()
    {
        var error = Assert.Throws<FormatException>(() => SeedComment.ReadJsonl(new StringReader("{\"author\":\"a\",\"text\":\"b\"}\n{oops")));
        Assert.StartsWith("seed line 2:", error.Message);
        Assert.StartsWith("seed line 1:", Assert.Throws<FormatException>(() => SeedComment.ReadJsonl(new StringReader("{\"author\":\"a\"}"))).Message);
    }

    [Fact]
    public async Task Trickle_adds_one_comment_at_a_time()
    {
        var sandbox = new YouTubeSandbox();
        var trickle = sandbox.TrickleAsync([.. Enumerable.Range(0, 3).Select(i => new SeedComment(null, null, "a", $"{i}"))], TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, sandbox.ThreadCount); // the first comment is added before the first wait
        Assert.False(trickle.IsCompleted);
        await trickle;
        Assert.Equal(3, sandbox.ThreadCount);
    }
}
