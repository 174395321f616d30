using ShawBot.Engine.Generation;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Generation;

/// <summary>The template's optional slots: {video_title}, {video_description}, {comment_language}.</summary>
public class PromptSlotsTests
{
    private static readonly ITokenizer Tok = TokenizerLoader.Load(Path.Combine(TestPaths.RepoRoot, "..", "shared", "fixtures", "mistral-7b-v0.1-tokenizer"));

    private static readonly PromptTemplate Default = new("Be nice.", PromptTemplate.DefaultTemplate);

    [Fact]
    public void Slots_with_values_add_their_lines()
    {
        var slots = new PromptSlots("Danke!", "Fine-tuning LLMs with QLoRA", null, "German");
        const string expected = "[INST] Be nice. \nVideo: Fine-tuning LLMs with QLoRA\nThe comment is in German; reply in German.\nDanke! \n[/INST]";
        Assert.Equal(expected, Default.RenderPrompt(slots));
        Assert.Equal(Tok.Encode(expected), Default.EncodePrompt(Tok, slots));
    }

    [Fact]
    public void Without_values_the_prompt_is_the_reference_layout_and_matches_training()
    {
        Assert.Equal("[INST] Be nice. \nGreat video \n[/INST]", Default.RenderPrompt(new PromptSlots("Great video")));
        Assert.Equal("[INST] Be nice. \nVideo: RAG from scratch\nGreat video \n[/INST]", Default.RenderPrompt(new PromptSlots("Great video", "RAG from scratch", null, " ")));
        foreach (var slots in new[] { new PromptSlots("Great video"), new PromptSlots("Great video", "RAG from scratch") })
        {
            var (ids, promptLength) = Default.EncodeExample(Tok, slots, "Thanks! –ShawGPT");
            // Training's prompt part is the drafting prompt plus the newline after [/INST] that drafting trims.
            var drafting = Default.EncodePrompt(Tok, slots);
            Assert.Equal(drafting, ids[..drafting.Length]);
            Assert.Equal(drafting.Length + 1, promptLength);
        }
    }

    [Fact]
    public void A_template_without_slots_ignores_the_values_and_a_comment_cannot_fill_a_slot()
    {
        var plain = new PromptTemplate("Be nice.", "<s>[INST] {instructions} \n{comment} \n[/INST]\n{reply}</s>");
        Assert.Equal("[INST] Be nice. \nhi \n[/INST]", plain.RenderPrompt(new PromptSlots("hi", "Title", "Description", "English")));

        var described = new PromptTemplate("Be nice.", "[INST] {instructions}\nAbout the video: {video_description}\n{comment} [/INST]\n{reply}");
        Assert.Equal("[INST] Be nice.\nAbout the video: Line one\nline two\nwhat is {video_title}? [/INST]",
            described.RenderPrompt(new PromptSlots("what is {video_title}?", "Real title", "Line one\nline two", null)));
        // A title cannot pull the comment in either: every slot is filled in one pass.
        var titled = new PromptTemplate("Be nice.", "[INST] {instructions}\nVideo: {video_title}\n{comment} [/INST]\n{reply}");
        Assert.Equal("[INST] Be nice.\nVideo: about {comment}\nhi [/INST]", titled.RenderPrompt(new PromptSlots("hi", "about {comment}")));
    }
}
