using System.Net;
using ShawBot.Infrastructure.Discord.Models;
using ShawBot.Infrastructure.Discord.Rest;
using ShawBot.Sandbox.Discord;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Discord;

/// <summary>REST behaviour asserted on the requests the sandbox received, and when.</summary>
[Collection(DiscordTimingCollection.Name)]
public sealed class RestClientTests(ITestOutputHelper output)
{
    private const ulong Channel = 4242;
    private const string CreateMessageRoute = "POST /channels/{channel_id}/messages";
    private static readonly MessagePayload Hello = new() { Content = "hello" };

    [Fact]
    public async Task CreateMessage_SendsBotAuthUserAgentAndSnakeCaseJson()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var message = await host.Rest.CreateMessageAsync(Channel, new MessagePayload
        {
            Content = "draft",
            AllowedMentions = AllowedMentions.None,
            Components = [DiscordComponent.ActionRow(DiscordComponent.Button("approve:1", "Approve", ButtonStyle.Success))],
        });

        var entry = Assert.Single(host.Sandbox.Rest.Log);
        Assert.Equal(200, entry.Status);
        Assert.Equal("Bot", entry.Authorization);
        Assert.Matches(@"^DiscordBot \(https?://\S+, [\d.]+\)$", entry.UserAgent);
        Assert.Contains("\"allowed_mentions\":{\"parse\":[]}", entry.Body);
        Assert.Contains("\"custom_id\":\"approve:1\"", entry.Body);
        Assert.DoesNotContain("null", entry.Body);
        Assert.Equal(Channel, message.ChannelId);
        Assert.Equal("draft", message.Content);
        Assert.Equal("approve:1", message.Components[0].Components![0].CustomId);
        Assert.Equal("Approve", Assert.Single(host.Sandbox.Rest.MessagesIn(Channel)).Buttons[0].Label);
    }

    [Fact]
    public async Task RouteRateLimit429_IsRetriedAfterRetryAfter()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        host.Sandbox.RateLimits.Inject429(CreateMessageRoute, TimeSpan.FromMilliseconds(600));
        await host.Rest.CreateMessageAsync(Channel, Hello);

        var log = host.Sandbox.Rest.Log;
        Assert.Equal([429, 200], log.Select(e => e.Status));
        Assert.True(log[1].Elapsed - log[0].Elapsed >= TimeSpan.FromMilliseconds(600), $"retried after {(log[1].Elapsed - log[0].Elapsed).TotalMilliseconds:0} ms");
        Assert.Equal(0, host.Sandbox.RateLimits.Violations);
    }

    [Fact]
    public async Task RateLimit429_WithOnlyRetryAfterHeader_IsHonoured()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        host.Sandbox.RateLimits.Inject429(CreateMessageRoute, TimeSpan.FromSeconds(1), headerOnly: true);
        await host.Rest.CreateMessageAsync(Channel, Hello);
        var log = host.Sandbox.Rest.Log;
        Assert.Equal([429, 200], log.Select(e => e.Status));
        Assert.True(log[1].Elapsed - log[0].Elapsed >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Global429_PausesEveryRoute()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        host.Sandbox.RateLimits.Inject429("*", TimeSpan.FromMilliseconds(700), global: true);
        var first = host.Rest.CreateMessageAsync(Channel, Hello);
        await DiscordSandbox.WaitUntilAsync(() => host.Sandbox.Rest.Log.Count > 0, TimeSpan.FromSeconds(5), "first request");
        await Task.Delay(150); // let the client read the 429 it was just sent
        // A different route, started while the global limit holds: must wait for it too.
        var other = host.Rest.GetCurrentApplicationAsync();
        await Task.WhenAll(first, other);

        var log = host.Sandbox.Rest.Log;
        var limited = log[0];
        Assert.Equal(429, limited.Status);
        Assert.Equal(0, host.Sandbox.RateLimits.Violations);
        Assert.All(log.Skip(1), e =>
        {
            Assert.Equal(200, e.Status);
            Assert.True(e.Elapsed - limited.Elapsed >= TimeSpan.FromMilliseconds(700), $"{e.RouteTemplate} after {(e.Elapsed - limited.Elapsed).TotalMilliseconds:0} ms");
        });
        Assert.Equal(900_000_000_000_000_001ul, (await other).Id);
    }

    [Fact]
    public async Task BucketExhaustion_WaitsForReset_SequentialAndConcurrent()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        host.Sandbox.RateLimits.SetBucket(CreateMessageRoute, limit: 2, TimeSpan.FromMilliseconds(500));
        for (int i = 0; i < 3; i++)
            await host.Rest.CreateMessageAsync(Channel, Hello);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => host.Rest.CreateMessageAsync(Channel, Hello)));

        var log = host.Sandbox.Rest.Log;
        Assert.Equal(7, log.Count);
        Assert.All(log, e => Assert.Equal(200, e.Status));
        Assert.Equal(0, host.Sandbox.RateLimits.Violations);
        // 2 per 500 ms: request k cannot start before window k/2.
        for (int k = 2; k < log.Count; k++)
            Assert.True(log[k].Elapsed - log[k - 2].Elapsed >= TimeSpan.FromMilliseconds(400), $"requests {k - 2} and {k} {(log[k].Elapsed - log[k - 2].Elapsed).TotalMilliseconds:0} ms apart");
        // Another channel is another bucket: no wait.
        var before = host.Sandbox.Elapsed;
        await host.Rest.CreateMessageAsync(Channel + 1, Hello);
        Assert.True(host.Sandbox.Elapsed - before < TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task ServerErrors_AreRetriedWithBackoff()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        host.Sandbox.RateLimits.InjectServerError(CreateMessageRoute, 502, times: 2);
        await host.Rest.CreateMessageAsync(Channel, Hello);
        Assert.Equal([502, 502, 200], host.Sandbox.Rest.Log.Select(e => e.Status));
    }

    [Fact]
    public async Task ServerErrors_BeyondRetries_Throw()
    {
        await using var host = await DiscordTestHost.StartAsync(output, rest: o => o with { MaxServerErrorRetries = 1 });
        host.Sandbox.RateLimits.InjectServerError(CreateMessageRoute, 503, times: 5);
        var ex = await Assert.ThrowsAsync<DiscordRestException>(() => host.Rest.CreateMessageAsync(Channel, Hello));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.Status);
        Assert.Equal(2, host.Sandbox.Rest.Log.Count);
    }

    [Fact]
    public async Task ClientErrors_ThrowWithDiscordCode_WithoutRetry()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var ex = await Assert.ThrowsAsync<DiscordRestException>(() => host.Rest.EditMessageAsync(Channel, 12345, Hello));
        Assert.Equal(HttpStatusCode.NotFound, ex.Status);
        Assert.Equal(10008, ex.Code);
        Assert.Equal("PATCH /channels/{channel_id}/messages/{message_id}", ex.Route);
        Assert.Single(host.Sandbox.Rest.Log);
    }

    [Fact]
    public async Task InteractionCallbacks_DeferThenEditOriginal_UpdateMessage_Modal_Followup()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var app = host.Sandbox.Options.ApplicationId;
        var user = new SandboxUser(7, "mod");
        var posted = await host.Rest.CreateMessageAsync(Channel, new MessagePayload
        {
            Content = "draft",
            Components = [DiscordComponent.ActionRow(DiscordComponent.Button("a:1", "Approve"), DiscordComponent.Button("e:1", "Edit"))],
        });

        // Deferred update (6), then edit the source message through @original.
        var click = host.Sandbox.ClickButton(Channel, posted.Id, "a:1", user);
        await host.Rest.CreateInteractionResponseAsync(click.Id, click.Token, InteractionResponse.DeferUpdate());
        var edited = await host.Rest.EditOriginalResponseAsync(app, click.Token, new MessagePayload
        {
            Content = "approved by mod",
            Components = posted.Components.Select(c => c.WithButtonsDisabled()).ToArray(),
        });
        Assert.Equal(posted.Id, edited.Id);
        Assert.All(host.Sandbox.Rest.GetMessage(posted.Id)!.Buttons, b => Assert.True(b.Disabled));

        // Answering twice is refused by Discord (40060) and not retried.
        var twice = await Assert.ThrowsAsync<DiscordRestException>(() => host.Rest.CreateInteractionResponseAsync(click.Id, click.Token, InteractionResponse.DeferUpdate()));
        Assert.Equal(40060, twice.Code);

        // A disabled button cannot be clicked any more.
        Assert.Throws<InvalidOperationException>(() => host.Sandbox.ClickButton(Channel, posted.Id, "e:1", user));

        // Modal (9) with a prefilled paragraph, on a second message.
        var second = await host.Rest.CreateMessageAsync(Channel, new MessagePayload
        {
            Content = "draft 2",
            Components = [DiscordComponent.ActionRow(DiscordComponent.Button("a:2", "Approve"), DiscordComponent.Button("e:2", "Edit"))],
        });
        var edit = host.Sandbox.ClickButton(Channel, "e:2", user);
        await host.Rest.CreateInteractionResponseAsync(edit.Id, edit.Token, InteractionResponse.Modal(new ModalPayload
        {
            CustomId = "edit-modal:2",
            Title = "Edit the reply",
            Components = [DiscordComponent.ActionRow(DiscordComponent.Paragraph("reply", "Reply", "draft text"))],
        }));
        var modal = host.Sandbox.Rest.ResponseTo(edit.Id)!;
        Assert.Equal("edit-modal:2", modal.ModalCustomId);
        Assert.Equal("draft text", modal.ModalInputs["reply"]);
        var submit = host.Sandbox.SubmitModal(edit, new Dictionary<string, string> { ["reply"] = "edited" });
        Assert.Equal(second.Id, submit.MessageId);

        // Update message (7) in answer to the modal submission.
        await host.Rest.CreateInteractionResponseAsync(submit.Id, submit.Token, InteractionResponse.UpdateMessage(new MessagePayload { Content = "edited by mod" }));
        Assert.Equal("edited by mod", host.Sandbox.Rest.GetMessage(second.Id)!.Content);

        // Ephemeral message (4, flags 64) and a follow-up.
        var status = host.Sandbox.SlashCommand("shawbot", "status", user, Channel);
        await host.Rest.CreateInteractionResponseAsync(status.Id, status.Token, InteractionResponse.Ephemeral("queue: 3"));
        var followup = await host.Rest.CreateFollowupMessageAsync(app, status.Token, new MessagePayload { Content = "more", Flags = MessageFlags.Ephemeral });
        var reply = host.Sandbox.Rest.ResponseTo(status.Id)!;
        Assert.Equal(4, reply.Type);
        Assert.True(reply.Ephemeral);
        Assert.Equal("queue: 3", reply.Content);
        Assert.Equal("more", followup.Content);

        // Deferred reply (5) then edit original.
        var retrain = host.Sandbox.SlashCommand("shawbot", "retrain", user, Channel);
        await host.Rest.CreateInteractionResponseAsync(retrain.Id, retrain.Token, InteractionResponse.Defer(ephemeral: true));
        var done = await host.Rest.EditOriginalResponseAsync(app, retrain.Token, new MessagePayload { Content = "retrain queued" });
        Assert.Equal("retrain queued", host.Sandbox.Rest.GetMessage(done.Id)!.Content);
        Assert.True(host.Sandbox.Rest.GetMessage(done.Id)!.Ephemeral);
    }

    [Fact]
    public async Task Commands_BulkOverwrite_GuildAndGlobal_AndCurrentApplication()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var app = await host.Rest.GetCurrentApplicationAsync();
        ApplicationCommand[] commands =
        [
            new()
            {
                Name = "shawbot",
                Description = "ShawBot moderation",
                Options = [ApplicationCommandOption.SubCommand("status", "Queue sizes"), ApplicationCommandOption.SubCommand("retrain", "Retrain now")],
            },
        ];
        var registered = await host.Rest.BulkOverwriteGuildCommandsAsync(app.Id, host.Sandbox.Options.GuildId, commands);
        await host.Rest.BulkOverwriteGlobalCommandsAsync(app.Id, []);

        Assert.NotNull(Assert.Single(registered).Id);
        var stored = host.Sandbox.Rest.RegisteredCommands(host.Sandbox.Options.GuildId.ToString())!;
        Assert.Equal("shawbot", stored[0]!["name"]!.GetValue<string>());
        Assert.Equal(2, stored[0]!["options"]!.AsArray().Count);
        Assert.Empty(host.Sandbox.Rest.RegisteredCommands("global")!);
    }

    [Fact]
    public void Token_IsRequired() =>
        Assert.Throws<ArgumentException>(() => new DiscordRestClient(new HttpClient(), new DiscordRestOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<DiscordRestClient>.Instance));
}
