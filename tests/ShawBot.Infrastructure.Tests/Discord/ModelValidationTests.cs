using System.Text.Json;
using ShawBot.Infrastructure.Discord;
using ShawBot.Infrastructure.Discord.Models;

namespace ShawBot.Infrastructure.Tests.Discord;

public sealed class ModelValidationTests
{
    private static ArgumentException Invalid(Action validate) => Assert.ThrowsAny<ArgumentException>(validate);

    [Fact]
    public void Content_Over2000_NamesTheField()
    {
        new MessagePayload { Content = new string('x', 2000) }.Validate();
        Assert.Equal("message.content", Invalid(() => new MessagePayload { Content = new string('x', 2001) }.Validate()).ParamName);
    }

    [Fact]
    public void CustomId_Over100_NamesThePath()
    {
        var ok = DiscordComponent.ActionRow(DiscordComponent.Button(new string('a', 100), "ok"));
        new MessagePayload { Components = [ok] }.Validate();
        var bad = DiscordComponent.ActionRow(DiscordComponent.Button("fine", "ok"), DiscordComponent.Button(new string('a', 101), "ok"));
        Assert.Equal("message.components[0].components[1].custom_id", Invalid(() => new MessagePayload { Components = [bad] }.Validate()).ParamName);
    }

    [Fact]
    public void Buttons_NeedACustomId_AndRowsHoldAtMostFive()
    {
        Assert.Equal("message.components[0].components[0].custom_id",
            Invalid(() => new MessagePayload { Components = [DiscordComponent.ActionRow(DiscordComponent.Button("", "x"))] }.Validate()).ParamName);
        var six = DiscordComponent.ActionRow(Enumerable.Range(0, 6).Select(i => DiscordComponent.Button($"b{i}", "x")).ToArray());
        Assert.Equal("message.components[0].components", Invalid(() => new MessagePayload { Components = [six] }.Validate()).ParamName);
        Assert.Equal("message.components[0]", Invalid(() => new MessagePayload { Components = [DiscordComponent.Button("b", "x")] }.Validate()).ParamName);
        Assert.Equal("message.components[0].components[0].label",
            Invalid(() => new MessagePayload { Components = [DiscordComponent.ActionRow(DiscordComponent.Button("b", new string('l', 81)))] }.Validate()).ParamName);
    }

    [Fact]
    public void Modal_TextInputValue_Over4000_AndTitle_Over45()
    {
        ModalPayload Modal(string value, string title = "Edit") => new()
        {
            CustomId = "m",
            Title = title,
            Components = [DiscordComponent.ActionRow(DiscordComponent.Paragraph("reply", "Reply", value))],
        };
        Modal(new string('v', 4000)).Validate();
        Assert.Equal("modal.components[0].components[0].value", Invalid(() => Modal(new string('v', 4001)).Validate()).ParamName);
        Assert.Equal("modal.title", Invalid(() => Modal("v", new string('t', 46)).Validate()).ParamName);
        Assert.Equal("data.components[0].components[0].value", Invalid(() => InteractionResponse.Modal(Modal(new string('v', 4001))).Validate()).ParamName);
    }

    [Fact]
    public void Embeds_FieldLimits_AndTotal()
    {
        Assert.Equal("message.embeds[0].description",
            Invalid(() => new MessagePayload { Embeds = [new DiscordEmbed { Description = new string('d', 4097) }] }.Validate()).ParamName);
        Assert.Equal("message.embeds[0].fields[0].value",
            Invalid(() => new MessagePayload { Embeds = [new DiscordEmbed { Fields = [new EmbedField("n", new string('v', 1025))] }] }.Validate()).ParamName);
        var big = new DiscordEmbed { Description = new string('d', 4000) };
        Assert.Equal("message.embeds", Invalid(() => new MessagePayload { Embeds = [big, big] }.Validate()).ParamName);
    }

    [Fact]
    public void Command_Names_AreLowerCase()
    {
        new ApplicationCommand { Name = "shawbot", Description = "d" }.Validate();
        Assert.Equal("command.name", Invalid(() => new ApplicationCommand { Name = "ShawBot", Description = "d" }.Validate()).ParamName);
    }

    [Fact]
    public void Json_UsesSnakeCase_StringSnowflakes_AndOmitsNulls()
    {
        var json = JsonSerializer.Serialize(InteractionResponse.Ephemeral("no"), DiscordJson.Options);
        Assert.Equal("{\"type\":4,\"data\":{\"content\":\"no\",\"flags\":64,\"allowed_mentions\":{\"parse\":[]}}}", json);
        var modal = JsonSerializer.Serialize(DiscordComponent.Paragraph("reply", "Reply", "v"), DiscordJson.Options);
        Assert.Equal("{\"type\":4,\"custom_id\":\"reply\",\"style\":2,\"label\":\"Reply\",\"value\":\"v\",\"max_length\":4000,\"required\":true}", modal);

        var interaction = JsonSerializer.Deserialize<DiscordInteraction>("""
            {"id":"18446744073709551615","application_id":"1","type":5,"token":"t","version":1,"channel_id":"9",
             "member":{"user":{"id":"2","username":"u"},"roles":["3","4"]},
             "data":{"custom_id":"edit:5","components":[{"type":1,"components":[{"type":4,"custom_id":"reply","value":"new text"}]}]}}
            """, DiscordJson.Options)!;
        Assert.Equal(ulong.MaxValue, interaction.Id);
        Assert.Equal(InteractionType.ModalSubmit, interaction.Type);
        Assert.Equal("new text", interaction.Data!.GetTextInput("reply"));
        Assert.Equal([3ul, 4ul], interaction.InvokerRoles);
    }
}
