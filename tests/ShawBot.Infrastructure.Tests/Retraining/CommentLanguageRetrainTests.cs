using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Screening;
using ShawBot.Core.Text;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Screening;
using ShawBot.Infrastructure.Tests.YouTube;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>
/// {comment_language} in training: a curated reply's training prompt carries the language line its draft
/// had, from the same detector drafting's screening uses, so the two prompts share their token ids.
/// </summary>
[Collection(RetrainCollection.Name)]
public sealed class CommentLanguageRetrainTests
{
    private const string Template =
        "<s>[INST] {instructions} \nVideo: {video_title}\nThe comment is in {comment_language}; reply in {comment_language}.\n{comment} \n[/INST]\n{reply}</s>";

    [Theory]
    [InlineData("Danke für das Video! Wie lange hat das Training auf deiner GPU gedauert?", "German")]
    [InlineData("¡Muchas gracias por el video! ¿Cuánto tiempo tardó el entrenamiento en tu GPU?", "Spanish")]
    [InlineData("Thanks for the video! How long did the training take on your GPU?", "English")]
    public async Task The_training_prompt_of_a_curated_reply_is_its_drafting_prompt_language_line_included(string text, string language)
    {
        using var h = new RetrainHarness();
        File.WriteAllText(Path.Combine(h.Engine.PromptsPath!, "template.txt"), Template);
        var screeningOptions = new ScreeningOptions();
        var detector = new LinguaLanguageDetector(Options.Create(screeningOptions));
        await detector.Loaded.WaitAsync(TimeSpan.FromMinutes(2));
        var monitor = new StaticOptions<ScreeningOptions>(screeningOptions);

        // Drafting: screening detects the language, the writer builds the slots from the request (as Drafter and EngineReplyWriter do).
        var screened = CommentScreen.Screen(text, 2000);
        var before = new DraftScreening(monitor, NullLogger<DraftScreening>.Instance, detector).BeforeDraft(screened, null);
        Assert.Equal(language, before.Language?.Name);
        var request = new ReplyRequest("c1", screened.Text, "viewer", "LoRA explained", before.Language?.Name);
        int[] drafting = h.Model.Prompt.Build(new PromptSlots(request.Text, request.VideoTitle, request.VideoDescription, request.CommentLanguage), 4096).Ids;

        // Training: the retrain's dataset labels the curated comment with the same detector.
        var languageOf = await new CommentLanguages(detector, monitor).ReadyAsync(TimeSpan.FromSeconds(5));
        var curated = new CuratedExample("c1", text, "LoRA explained", "Gern geschehen –ShawGPT", false, new Moderator("m", "m"), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        var dataset = RetrainDataset.Build([curated], [new ReplyExample("another comment here", "ok –ShawGPT")], 0.5, languageOf);
        var example = RetrainDataset.ToReplyExamples(dataset.Train.Concat(dataset.Eval)).Single(e => e.Comment == text);
        Assert.Equal(language, example.CommentLanguage);
        var encoded = ReplyDataset.Encode(example, h.Model.Prompt, 4096, null);
        Assert.Equal(drafting, encoded.Ids[..drafting.Length]);
        Assert.Contains($"The comment is in {language}; reply in {language}.", h.Model.Tokenizer.Decode(drafting));
    }

    [Fact]
    public async Task With_detection_off_there_is_no_labeller_and_examples_keep_no_language()
    {
        var off = new ScreeningOptions { DetectLanguage = false };
        var languages = new CommentLanguages(new LinguaLanguageDetector(Options.Create(off)), new StaticOptions<ScreeningOptions>(off));
        Assert.Null(await languages.ReadyAsync(TimeSpan.Zero));
        var labelled = CommentLanguages.Label([new ReplyExample("Danke für das Video!", "Gern –ShawGPT")], null);
        Assert.Null(Assert.Single(labelled).CommentLanguage);
    }
}
