using System.Diagnostics;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Tests.Pipeline;
using ShawBot.Infrastructure.Tests.Support;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>
/// A retrain runs in a child process (tests/ShawBot.RetrainHost: the real engine, store, registry and
/// Quartz wiring) and is killed with SIGKILL at 20 random points: in start-up, training, evaluation,
/// sampling and registration. After every kill the active pointer names a whole, loadable version
/// (or none), every version folder loads, and the next run completes.
/// </summary>
[Collection(RetrainCollection.Name)]
public sealed class RetrainCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Killed_20_times_mid_retrain_the_active_adapter_is_never_broken_and_the_next_run_completes()
    {
        var watch = Stopwatch.StartNew();
        ModelConfig config;
        var setup = new RetrainHarness(folder: _folder);
        await setup.AddCuratedAsync(12);
        config = ModelConfig.Load(Path.Combine(setup.Engine.ModelPath, "config.json"));
        var registry = new AdapterRegistry(Path.Combine(_folder.Path, "adapters"));

        // v0001 (a short run: 2 steps) is live before the kills start, so there is an active adapter
        // to protect; the 6-step runs that follow beat it and get promoted, so kills also land
        // around a promotion.
        using (var first = RetrainProcess.Start(_folder.Path, maxSteps: 2))
        {
            Assert.True(first.WaitForExit(TimeSpan.FromSeconds(40)), first.Output());
            Assert.True(first.ExitCode == 0, first.Output());
        }
        Assert.Equal("v0001", registry.ActiveVersion);
        await setup.AddCuratedAsync(6);          // new data: the next runs train a different adapter
        setup.Dispose();

        var random = new Random(20261122);
        int completedBeforeKill = 0;
        var promotions = new HashSet<string?>();
        for (int kill = 0; kill < Kills; kill++)
        {
            using var child = RetrainProcess.Start(_folder.Path);
            var delay = TimeSpan.FromMilliseconds(random.Next(300, 3500));
            if (child.WaitForExit(delay))
            {
                Assert.True(child.ExitCode == 0, child.Output());
                completedBeforeKill++;
            }
            child.Kill();
            output.WriteLine(child.Output());
            output.WriteLine($"kill {kill + 1} after {delay.TotalMilliseconds:F0} ms at {watch.Elapsed.TotalSeconds:F1}s: versions [{string.Join(", ", registry.List().Select(v => v.Name))}], active {registry.ActiveVersion ?? "none"}, training folder {(Directory.Exists(registry.TrainingFolder) ? "present" : "absent")}");
            AssertRegistryWhole(registry, config);
            Assert.NotNull(registry.ActiveVersion);
            promotions.Add(registry.ActiveVersion);
        }

        int before = registry.List().Count;
        using (var last = RetrainProcess.Start(_folder.Path))
        {
            Assert.True(last.WaitForExit(TimeSpan.FromSeconds(40)), "the run after the kills did not finish:\n" + last.Output());
            output.WriteLine(last.Output());
            Assert.True(last.ExitCode == 0, last.Output());
            Assert.Matches("outcome (Promoted|NotPromoted) v00", last.Output());
        }

        AssertRegistryWhole(registry, config);
        Assert.Equal(before + 1, registry.List().Count);
        Assert.All(registry.List().Skip(1), v => Assert.Equal(18, v.Metadata.DatasetSize));
        Assert.False(Directory.Exists(registry.TrainingFolder));
        Assert.Empty(Directory.EnumerateDirectories(registry.Root, ".tmp-*"));
        // Exactly one of the 18-example runs was promoted (the first to finish); the reruns tie with it.
        Assert.Equal(2, registry.List().Count(v => v.Metadata.Promoted));
        Assert.Equal(registry.List().Where(v => v.Metadata.Promoted).Last().Name, registry.ActiveVersion);
        output.WriteLine($"done at {watch.Elapsed.TotalSeconds:F1}s; {completedBeforeKill} runs finished before their kill; {registry.List().Count} versions, live during the kills: {string.Join(", ", promotions)}; active {registry.ActiveVersion}");
    }

    private static void AssertRegistryWhole(AdapterRegistry registry, ModelConfig config)
    {
        foreach (var v in registry.List())
        {
            var adapter = PeftAdapterFiles.Load(v.Path, config, v.Name);
            Assert.Equal(4, adapter.Config.Rank);
            Assert.True(File.Exists(v.LossCurvePath), v.Name);
        }
        if (registry.ActiveVersion is { } active)
        {
            var v = registry.Get(active);
            Assert.True(v is not null, $"active points at {active}, which is not a whole version");
            Assert.True(v.Metadata.Promoted);
        }
    }
}
