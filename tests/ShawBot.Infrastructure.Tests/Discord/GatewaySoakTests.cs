using System.Diagnostics;
using ShawBot.Sandbox.Discord;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Discord;

/// <summary>
/// Compressed soak: ~20 s, heartbeat every 200 ms, a fault every ~0.6–1.6 s (abort, close 4000,
/// op 7, op 9 d:true/false, swallowed ACKs) while 500 interactions are dispatched. Every one must
/// reach the handler exactly once.
/// </summary>
[Collection(DiscordTimingCollection.Name)]
public sealed class GatewaySoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Soak_EveryInteractionDeliveredExactlyOnce_ThroughRandomFaults()
    {
        const int Count = 500;
        var duration = TimeSpan.FromSeconds(20);
        await using var host = await DiscordTestHost.StartAsync(NullOutput.Instance, TimeSpan.FromMilliseconds(200));
        var gateway = await host.StartGatewayAsync(o => o with
        {
            InvalidSessionMinDelay = TimeSpan.FromMilliseconds(50),
            InvalidSessionMaxDelay = TimeSpan.FromMilliseconds(150),
        });

        var received = new List<ulong>();
        var consumer = Task.Run(async () =>
        {
            await foreach (var interaction in gateway.Interactions.ReadAllAsync())
                lock (received)
                    received.Add(interaction.Id);
        });

        var random = new Random(20261122);
        var faults = new Dictionary<string, int>();
        var kinds = new List<string>();
        using var stop = new CancellationTokenSource();
        var chaos = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(random.Next(600, 1600));
                if (stop.IsCancellationRequested)
                    break;
                // Every kind in turn (shuffled per round), so each shows up several times.
                if (kinds.Count == 0)
                    kinds.AddRange(new[] { "abort", "close4000", "op7", "op9-true", "op9-false", "swallow-acks" }.OrderBy(_ => random.Next()));
                string fault = kinds[^1];
                kinds.RemoveAt(kinds.Count - 1);
                faults[fault] = faults.GetValueOrDefault(fault) + 1;
                switch (fault)
                {
                    case "abort": host.Sandbox.Gateway.Abort(); break;
                    case "close4000": host.Sandbox.Gateway.Close(4000); break;
                    case "op7": host.Sandbox.Gateway.SendReconnect(); break;
                    case "op9-true": host.Sandbox.Gateway.SendInvalidSession(true); break;
                    case "op9-false": host.Sandbox.Gateway.SendInvalidSession(false); break;
                    default:
                        host.Sandbox.Gateway.SwallowHeartbeatAcks = true;
                        await Task.Delay(500);
                        host.Sandbox.Gateway.SwallowHeartbeatAcks = false;
                        break;
                }
                // One fault at a time: let the client settle before the next.
                await DiscordSandbox.WaitUntilAsync(() => host.Sandbox.Gateway.IsSessionReady, TimeSpan.FromSeconds(10), $"session ready after {fault}");
            }
        });

        var dispatched = new List<ulong>(Count);
        var user = new SandboxUser(1, "soak", 2);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Count; i++)
        {
            var due = duration * (i / (double)Count);
            if (due > clock.Elapsed)
                await Task.Delay(due - clock.Elapsed);
            dispatched.Add(host.Sandbox.SlashCommand("shawbot", "status", user, 42).Id);
        }
        stop.Cancel();
        await chaos;
        try
        {
            await DiscordSandbox.WaitUntilAsync(() => { lock (received) return received.Count >= Count; }, TimeSpan.FromSeconds(15), "all interactions delivered");
        }
        catch (TimeoutException)
        {
            HashSet<ulong> got;
            lock (received)
                got = [.. received];
            output.WriteLine($"missing: {string.Join(", ", dispatched.Select((id, i) => (id, i)).Where(x => !got.Contains(x.id)).Select(x => $"#{x.i}"))}; client state {gateway.State}, seq {gateway.Sequence}");
            foreach (var e in host.Sandbox.Gateway.Log.Where(e => e.Op != 1 && e.Op != 11))
                output.WriteLine(e.ToString());
            throw;
        }
        await Task.Delay(300); // a late duplicate would show up here
        await gateway.StopAsync();
        await consumer;

        var log = host.Sandbox.Gateway.Log;
        int resumes = log.Count(e => e.Direction == GatewayDirection.Received && e.Op == 6);
        int identifies = log.Count(e => e.Direction == GatewayDirection.Received && e.Op == 2);
        output.WriteLine($"faults: {string.Join(", ", faults.Select(kv => $"{kv.Key}={kv.Value}"))}; connections {host.Sandbox.Gateway.ConnectionCount}, resumes {resumes}, identifies {identifies}, replayed {log.Count(e => e.Detail == "replay")}");

        Assert.Equal(Count, received.Count);
        Assert.Equal(dispatched.Order(), received.Order());
        Assert.True(faults.Values.Sum() >= 10, "expected at least 10 faults");
        Assert.Equal(6, faults.Count);
        Assert.True(resumes >= 5, $"expected several resumes, got {resumes}");
        Assert.True(identifies >= 2, $"expected a re-identify, got {identifies}");
    }

    private sealed class NullOutput : ITestOutputHelper
    {
        public static NullOutput Instance { get; } = new();

        public void WriteLine(string message)
        {
        }

        public void WriteLine(string format, params object[] args)
        {
        }
    }
}
