using System.Globalization;
using ShawBot.Core.Ports;

namespace ShawBot.Tests.Support;

/// <summary>
/// Stand-in for the retrain job (not on main yet): reports a few steps of progress, then writes the next
/// adapters/vNNNN folder in the registry layout (adapter_config.json, adapter_model.safetensors,
/// metadata.json, loss-curve.svg) and points adapters/active at it.
/// </summary>
internal sealed class FakeRetrain(string registry, TimeSpan stepDelay) : IRetrainTrigger, IRetrainProgress
{
    private const int Steps = 4;
    private RetrainProgress? _current;

    public RetrainProgress? Current => Volatile.Read(ref _current);

    public int Triggered { get; private set; }

    public Task<AdminActionResult> TriggerRetrainAsync(string requestedBy, CancellationToken cancellationToken)
    {
        if (Current is { Running: true })
        {
            return Task.FromResult(new AdminActionResult(false, "a retrain is already running"));
        }

        Triggered++;
        var started = DateTimeOffset.UtcNow;
        Volatile.Write(ref _current, new RetrainProgress(true, "training", 0, Steps, null, started, $"requested by {requestedBy}"));
        _ = Task.Run(async () =>
        {
            for (var step = 1; step <= Steps; step++)
            {
                await Task.Delay(stepDelay);
                Volatile.Write(ref _current, new RetrainProgress(true, "training", step, Steps, 2.0 / step, started, null));
            }

            var version = WriteVersion(1.25);
            Volatile.Write(ref _current, new RetrainProgress(false, "done", Steps, Steps, 0.5, started, $"promoted {version}"));
        });
        return Task.FromResult(new AdminActionResult(true, "retrain started"));
    }

    private string WriteVersion(double evalLoss)
    {
        Directory.CreateDirectory(registry);
        var next = Directory.EnumerateDirectories(registry, "v*").Select(d => int.Parse(Path.GetFileName(d)[1..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max() + 1;
        var version = $"v{next:D4}";
        var dir = Path.Combine(registry, version);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "adapter_config.json"), """{"r": 8, "lora_alpha": 16, "target_modules": ["q_proj"], "peft_type": "LORA"}""");
        File.WriteAllBytes(Path.Combine(dir, "adapter_model.safetensors"), [8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', (byte)' ', (byte)' ', (byte)' ', (byte)' ', (byte)' ', (byte)' ']);
        File.WriteAllText(Path.Combine(dir, "metadata.json"),
            FormattableString.Invariant($$"""{"version": "{{version}}", "eval_loss": {{evalLoss}}, "created_at": "{{DateTimeOffset.UtcNow:O}}", "examples": 12}"""));
        File.WriteAllText(Path.Combine(dir, "loss-curve.svg"),
            """<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80"><polyline fill="none" stroke="#c4302b" points="0,10 50,40 100,55 150,62 200,65"/></svg>""");
        File.WriteAllText(Path.Combine(registry, "active"), version + "\n");
        return version;
    }
}
