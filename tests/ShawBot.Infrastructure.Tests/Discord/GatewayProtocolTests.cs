using Microsoft.Extensions.Logging;
using ShawBot.Infrastructure.Discord.Gateway;
using ShawBot.Infrastructure.Discord.Models;
using ShawBot.Sandbox.Discord;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Discord;

/// <summary>Gateway behaviour asserted on what the client sent to the sandbox, and when.</summary>
[Collection(DiscordTimingCollection.Name)]
public sealed class GatewayProtocolTests(ITestOutputHelper output)
{
    private static readonly SandboxUser Mod = new(111, "mod", 500);

    private static bool Received(GatewayLogEntry e, int op, int? connection = null) =>
        e.Direction == GatewayDirection.Received && e.Op == op && (connection is null || e.ConnectionId == connection);

    private static bool Sent(GatewayLogEntry e, int op, int? connection = null, string? eventName = null) =>
        e.Direction == GatewayDirection.Sent && e.Op == op && (connection is null || e.ConnectionId == connection)
        && (eventName is null || e.EventName == eventName);

    [Fact]
    public async Task Heartbeat_FirstBeatWithinJitteredInterval_ThenEveryInterval()
    {
        var interval = TimeSpan.FromMilliseconds(500);
        await using var host = await DiscordTestHost.StartAsync(output, interval);
        // A known jitter (0.5) gives a known schedule, hello + (0.5 + k)·interval, so every beat is checked
        // against it; the first beat can be late (a cold JIT, a stalled host), which a schedule anchored
        // at that beat would turn into an "early" second one.
        const double jitter = 0.5;
        await host.StartGatewayAsync(o => o with { RandomSeed = null, FirstHeartbeatJitter = jitter });
        // Five beats take ≈ 2.5 s; wait for them (bounded) rather than a fixed time.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (host.Sandbox.Gateway.Log.Count(e => Received(e, 1, 1)) < 5 && DateTime.UtcNow < until)
            await Task.Delay(50);

        var log = host.Sandbox.Gateway.Log;
        var hello = log.First(e => Sent(e, 10, 1));
        var beats = log.Where(e => Received(e, 1, 1)).Select(e => e.Elapsed - hello.Elapsed).ToArray();
        Assert.True(beats.Length >= 5, $"expected ≥ 5 beats, got {beats.Length}");
        // First beat after interval × jitter, not before (+ slack for a cold process: its first hello →
        // identify → beat path is compiled on the way, up to ~1 s here).
        Assert.InRange(beats[0].TotalMilliseconds, interval.TotalMilliseconds * jitter - 40, interval.TotalMilliseconds * jitter + 1000);
        // Then never early against the schedule (a stall or a late ACK only moves beats later).
        for (int k = 1; k < beats.Length; k++)
            Assert.True(beats[k] >= interval * (jitter + k) - TimeSpan.FromMilliseconds(40), $"beat {k} came {(interval * (jitter + k) - beats[k]).TotalMilliseconds:0} ms early");
        // And every interval as a rule: the median gap between beats is the interval. (The median gap,
        // not the lateness against the first beat's schedule: a late ACK on a loaded box moves the
        // client's schedule on by design, which would count against every later beat; a stall moves
        // one gap up and, on the fixed schedule, the next one down, and the median stays put.)
        var gaps = Enumerable.Range(1, beats.Length - 1).Select(k => (beats[k] - beats[k - 1]).TotalMilliseconds).Order().ToArray();
        Assert.InRange(gaps[gaps.Length / 2], interval.TotalMilliseconds - 40, interval.TotalMilliseconds * 1.4);
        // Identify right after Hello, with intents 0; heartbeats carry the last sequence (READY = 1).
        var identify = log.Single(e => Received(e, 2));
        Assert.Equal("intents=0", identify.Detail);
        Assert.Equal(1, log.Last(e => Received(e, 1)).Sequence);
    }

    [Fact]
    public async Task Heartbeat_ServerOp1_GetsAnImmediateBeat()
    {
        // The client's clock stands still, so its schedule (first beat a whole interval after Hello) never comes
        // due: a beat that arrives is the answer to op 1 and nothing else, however slow a loaded machine is to
        // deliver it. (Timing the answer against a wall-clock bound failed under CI load: 771 ms against 500.)
        var interval = TimeSpan.FromSeconds(30);
        await using var host = await DiscordTestHost.StartAsync(output, interval);
        await host.StartGatewayAsync(o => o with { FirstHeartbeatJitter = 1.0 }, new StoppedClock());
        Assert.DoesNotContain(host.Sandbox.Gateway.Log, e => Received(e, 1));

        host.Sandbox.Gateway.RequestHeartbeat();
        var request = await host.WaitForLogAsync(e => Sent(e, 1), "op 1 sent");
        var beat = await host.WaitForLogAsync(e => Received(e, 1), "heartbeat after op 1");
        // After the request, and well inside the interval the schedule would have waited (by the sandbox's real clock).
        Assert.InRange(beat.Elapsed - request.Elapsed, TimeSpan.Zero, interval / 2);
        Assert.Equal(1, beat.Sequence);                 // the last sequence the client saw: READY
        // One beat for one request: answering op 1 did not start beating on its own.
        await Task.Delay(300);
        Assert.Single(host.Sandbox.Gateway.Log, e => Received(e, 1));
    }

    [Fact]
    public async Task Heartbeat_MissingAck_ClosesAndResumesTheSession()
    {
        var interval = TimeSpan.FromMilliseconds(200);
        await using var host = await DiscordTestHost.StartAsync(output, interval);
        var gateway = await host.StartGatewayAsync(o => o with { FirstHeartbeatJitter = 0.5 });
        string session = gateway.SessionId!;
        host.Sandbox.Gateway.SwallowHeartbeatAcks = true;
        var resume = await host.WaitForLogAsync(e => Received(e, 6), "resume after a missing ACK");
        host.Sandbox.Gateway.SwallowHeartbeatAcks = false;
        await host.WaitForLogAsync(e => Sent(e, 0, eventName: "RESUMED"), "RESUMED");

        var log = host.Sandbox.Gateway.Log;
        var beatsOnFirst = log.Where(e => Received(e, 1, 1)).ToArray();
        var closed = log.First(e => e.ConnectionId == 1 && e.Direction == GatewayDirection.Connection && e.Detail!.StartsWith("closed"));
        // The connection was dropped about one interval after the unacknowledged beat, not before it.
        Assert.InRange((closed.Elapsed - beatsOnFirst[^1].Elapsed).TotalMilliseconds, interval.TotalMilliseconds - 60, interval.TotalMilliseconds + 400);
        Assert.NotEqual(1000, closed.CloseCode);
        Assert.Equal(2, resume.ConnectionId);
        Assert.Equal($"session={session}", resume.Detail);
        Assert.DoesNotContain(log, e => Received(e, 2, 2));
        await gateway.WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(5)); // the sandbox logs RESUMED before the client reads it
        Assert.Equal(GatewayState.Ready, gateway.State);
    }

    [Fact]
    public async Task Reconnect_Op7_ResumesAndReplaysWhatWasMissed()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = await host.StartGatewayAsync();
        string session = gateway.SessionId!;
        var before = host.Sandbox.SlashCommand("shawbot", "status", Mod, 42);
        Assert.Equal(before.Id, (await gateway.Interactions.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Id);

        host.Sandbox.Gateway.SendReconnect();
        // Raised after op 7, on connection 1 (still live for the sandbox until the client's close arrives): the client,
        // leaving, reads on until the sandbox answers its close, so this arrives there (seq 3) or, if it was not
        // read in time, by replay after the resume (which then asks from seq 2). Either way once.
        var during = host.Sandbox.SlashCommand("shawbot", "retrain", Mod, 42);
        var resume = await host.WaitForLogAsync(e => Received(e, 6), "resume after op 7");
        var after = await gateway.Interactions.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        await host.WaitForLogAsync(e => Sent(e, 0, 2, "RESUMED"), "RESUMED");

        Assert.Equal(2, resume.ConnectionId);
        Assert.Equal($"session={session}", resume.Detail);
        Assert.InRange(resume.Sequence!.Value, 2L, 3L); // READY = 1, the first interaction = 2, `during` = 3
        var replays = host.Sandbox.Gateway.Log.Count(e => Sent(e, 0, 2, "INTERACTION_CREATE") && e.Detail == "replay");
        Assert.Equal(resume.Sequence == 2 ? 1 : 0, replays);
        Assert.Equal(during.Id, after.Id);
        Assert.Equal(session, gateway.SessionId);
        Assert.DoesNotContain(host.Sandbox.Gateway.Log, e => Received(e, 2, 2));
        Assert.False(gateway.Interactions.TryRead(out _));
    }

    [Fact]
    public async Task Leaving_AfterOp7_ReadsWhatWasAlreadySent_SoASessionInvalidatedMeanwhileLosesNothing()
    {
        // The soak's lost events, made small: op 7, three interactions, then the session invalidated (op 9 d:false)
        // before the client's Resume is through. Which connection the interactions go out on depends on how fast the
        // client reacts to op 7: on connection 1 after op 7 (a cold client; the client leaving it must read on after
        // its close: no replay can bring them back), or on connection 2 after op 9, where the sandbox still resumes
        // the session the client has just been told is gone (a warm client; again only reading on after its close
        // gets them), or, when op 9 finds no connection open, pending until the resumed session. Each arrives once,
        // never by replay.
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = await host.StartGatewayAsync();
        host.Sandbox.Gateway.SendReconnect();
        var sent = Enumerable.Range(0, 3).Select(_ => host.Sandbox.SlashCommand("shawbot", "status", Mod, 42).Id).ToArray();
        host.Sandbox.Gateway.SendInvalidSession(resumable: false);

        var got = new List<ulong>();
        for (int i = 0; i < sent.Length; i++)
            got.Add((await gateway.Interactions.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Id);
        Assert.Equal(sent, got);

        // Settled on a session (a new one when op 9 reached a connection; it is a no-op while none is open), then
        // nothing more: none twice.
        await DiscordSandbox.WaitUntilAsync(() => gateway.State == GatewayState.Ready && host.Sandbox.Gateway.IsSessionReady, TimeSpan.FromSeconds(10), "ready again");
        await Task.Delay(300);
        Assert.False(gateway.Interactions.TryRead(out _));
        var log = host.Sandbox.Gateway.Log;
        foreach (var e in log.Where(e => e.Op is not (1 or 11)))
            output.WriteLine(e.ToString());
        Assert.Equal(3, log.Count(e => Sent(e, 0, eventName: "INTERACTION_CREATE")));   // each sent once, none replayed
        Assert.Equal(log.Any(e => Sent(e, 9)) ? 2 : 1, log.Count(e => Received(e, 2)));  // invalidated: identified afresh
    }

    [Theory]
    [InlineData(4000)]
    [InlineData(4008)]
    public async Task Close_ResumableCode_Resumes(int code)
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = await host.StartGatewayAsync();
        string session = gateway.SessionId!;
        host.Sandbox.Gateway.Close(code);
        var resume = await host.WaitForLogAsync(e => Received(e, 6), $"resume after {code}");
        await host.WaitForLogAsync(e => Sent(e, 0, eventName: "RESUMED"), "RESUMED");
        Assert.Equal($"session={session}", resume.Detail);
        Assert.Single(host.Sandbox.Gateway.Log, e => Received(e, 2));
    }

    [Fact]
    public async Task Resume_UsesResumeGatewayUrlFromReady()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        await host.StartGatewayAsync();
        host.Sandbox.Gateway.Close(4000);
        await host.WaitForLogAsync(e => Received(e, 6), "resume");
        var opened = host.Sandbox.Gateway.Log.Where(e => e.Direction == GatewayDirection.Connection && e.Detail!.StartsWith("open")).ToArray();
        Assert.Equal("open /gateway?v=10&encoding=json", opened[0].Detail);
        Assert.Equal("open /gateway-resume?v=10&encoding=json", opened[1].Detail);
    }

    [Fact]
    public async Task InvalidSession_NotResumable_IdentifiesAgainAfterTheDelay()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = await host.StartGatewayAsync();
        string oldSession = gateway.SessionId!;
        host.Sandbox.Gateway.SendInvalidSession(resumable: false);
        var op9 = await host.WaitForLogAsync(e => Sent(e, 9), "op 9 sent");
        var identify = await host.WaitForLogAsync(e => Received(e, 2, 2), "second identify");
        await host.WaitForLogAsync(e => Sent(e, 0, 2, "READY"), "second READY");
        await DiscordSandbox.WaitUntilAsync(() => gateway.SessionId != oldSession && gateway.State == GatewayState.Ready, TimeSpan.FromSeconds(5), "new session");

        Assert.InRange((identify.Elapsed - op9.Elapsed).TotalMilliseconds, 200, 2000); // InvalidSessionMinDelay = 200 ms
        Assert.DoesNotContain(host.Sandbox.Gateway.Log, e => Received(e, 6));
        Assert.Equal(1, gateway.Sequence);
    }

    [Fact]
    public async Task InvalidSession_Resumable_Resumes()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = await host.StartGatewayAsync();
        host.Sandbox.Gateway.SendInvalidSession(resumable: true);
        var resume = await host.WaitForLogAsync(e => Received(e, 6), "resume after op 9 d:true");
        Assert.Equal($"session={gateway.SessionId}", resume.Detail);
    }

    [Fact]
    public async Task Close_SessionTimedOut4009_IdentifiesAfresh()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        await host.StartGatewayAsync();
        host.Sandbox.Gateway.Close(4009);
        await host.WaitForLogAsync(e => Received(e, 2, 2), "identify after 4009");
        Assert.DoesNotContain(host.Sandbox.Gateway.Log, e => Received(e, 6));
    }

    [Theory]
    [InlineData(4004)]
    [InlineData(4014)]
    public async Task Close_FatalCode_StopsWithoutReconnecting(int code)
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = await host.StartGatewayAsync();
        host.Sandbox.Gateway.Close(code);
        await gateway.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(300);

        Assert.Equal(GatewayState.Stopped, gateway.State);
        Assert.Equal(code, gateway.FatalCloseCode);
        Assert.Equal(1, host.Sandbox.Gateway.ConnectionCount);
        Assert.True(gateway.Interactions.Completion.IsCompleted);
    }

    [Fact]
    public async Task WrongToken_IsRefusedWith4004_AndTheClientStops()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = new DiscordGatewayClient(null, DiscordTestHost.GatewayOptions(host.Sandbox) with { Token = "wrong", GatewayUrl = host.Sandbox.GatewayUrl },
            host.Loggers.CreateLogger<DiscordGatewayClient>());
        await gateway.StartAsync();
        await gateway.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4004, gateway.FatalCloseCode);
        Assert.Equal(1, host.Sandbox.Gateway.ConnectionCount);
        await gateway.DisposeAsync();
    }

    [Fact]
    public async Task SendLimit_IsRespectedInEveryWindow_AndLeavesRoomForHeartbeats()
    {
        // Budget 8 per second; heartbeats every 400 ms reserve ceil(1000/400)+1 = 4, so other events get 4 per window.
        var window = TimeSpan.FromSeconds(1);
        await using var host = await DiscordTestHost.StartAsync(output, TimeSpan.FromMilliseconds(400));
        var gateway = await host.StartGatewayAsync(o => o with { SendLimit = 8, SendWindow = window, FirstHeartbeatJitter = 0.5 });
        var started = host.Sandbox.Elapsed;
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => gateway.UpdatePresenceAsync($"{i} drafts awaiting review")));
        var took = host.Sandbox.Elapsed - started;
        await DiscordSandbox.WaitUntilAsync(() => host.Sandbox.Gateway.Log.Count(e => e.Direction == GatewayDirection.Received && e.Op == 3) == 10,
            TimeSpan.FromSeconds(5), "10 presence updates received");

        var log = host.Sandbox.Gateway.Log.Where(e => e.Direction == GatewayDirection.Received && e.ConnectionId == 1).ToArray();
        var others = log.Where(e => e.Op is 2 or 3).Select(e => e.Elapsed).ToArray();
        Assert.Equal(11, others.Length); // Identify + 10 presence updates
        // At most 4 non-heartbeat sends in any window: sends k and k+4 are a window apart (less receive jitter).
        for (int k = 4; k < others.Length; k++)
            Assert.True(others[k] - others[k - 4] >= window - TimeSpan.FromMilliseconds(80), $"sends {k - 4}..{k} {(others[k] - others[k - 4]).TotalMilliseconds:0} ms apart");
        // And at most 8 of any kind.
        var all = log.Select(e => e.Elapsed).ToArray();
        for (int k = 8; k < all.Length; k++)
            Assert.True(all[k] - all[k - 8] >= window - TimeSpan.FromMilliseconds(80));
        Assert.True(took >= TimeSpan.FromSeconds(1.8), $"10 updates at 4 per second took only {took.TotalMilliseconds:0} ms");
        // Heartbeats kept flowing: no zombie reconnect.
        Assert.Equal(1, host.Sandbox.Gateway.ConnectionCount);
        Assert.Contains(log, e => e.Op == 1 && e.Elapsed > started + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task InteractionCreate_IsParsedWithMemberRolesAndSubcommand()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = await host.StartGatewayAsync();
        var sent = host.Sandbox.SlashCommand("shawbot", "rollback", new SandboxUser(777, "alice", 501, 502), 42);
        var got = await gateway.Interactions.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(sent.Id, got.Id);
        Assert.Equal(sent.Token, got.Token);
        Assert.Equal(InteractionType.ApplicationCommand, got.Type);
        Assert.Equal("shawbot", got.Data!.Name);
        Assert.Equal("rollback", got.Data.SubcommandName);
        Assert.Equal(777ul, got.Invoker!.Id);
        Assert.Equal("alice", got.Invoker.Username);
        Assert.Equal([501ul, 502ul], got.InvokerRoles);
        Assert.Equal(42ul, got.ChannelId);
        Assert.Equal(host.Sandbox.Options.GuildId, got.GuildId);
    }

    [Fact]
    public async Task MalformedInteraction_IsSkipped_AndTheNextOneStillArrives()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = await host.StartGatewayAsync();
        host.Sandbox.Gateway.Dispatch("INTERACTION_CREATE", new System.Text.Json.Nodes.JsonObject { ["id"] = "not-a-snowflake", ["type"] = 3 });
        var good = host.Sandbox.SlashCommand("shawbot", "status", Mod, 42);
        var got = await gateway.Interactions.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(good.Id, got.Id);
        Assert.Equal(1, host.Sandbox.Gateway.ConnectionCount);
    }

    [Fact]
    public async Task Stop_ClosesWith1000()
    {
        await using var host = await DiscordTestHost.StartAsync(output);
        var gateway = await host.StartGatewayAsync();
        await gateway.StopAsync();
        var closed = await host.WaitForLogAsync(e => e.Direction == GatewayDirection.Connection && e.CloseCode is not null, "close");
        Assert.Equal(1000, closed.CloseCode);
        Assert.Equal(GatewayState.Stopped, gateway.State);
    }
}
