using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Store;

namespace ShawBot.Infrastructure.Adapters;

/// <summary>
/// Keeps the live adapter of every voice the same on every instance that shares a store. Each voice is a registry
/// folder of this instance: the global one (<see cref="LiveAdapter"/>, key <see cref="ILiveAdapterPointers.Global"/>)
/// and each source's own (<see cref="ChannelVoices"/>, key = the entry id). Every
/// <see cref="AdaptersOptions.StorePointerPollInterval"/> it
/// <list type="bullet">
/// <item>publishes a promotion made here (the local "active" pointer moved since the last round: a retrain, an
/// import, a rollback, `shawbot adapters activate`) as the voice's pointer in the store, with the version's folder; and</item>
/// <item>applies a pointer another instance published (a sequence not seen yet): it copies the version in from the
/// pointer's folder when this registry lacks it, points the local registry at it, and for the global voice swaps the
/// engine through <see cref="LiveAdapter.Activate"/>; a source's next draft reads its registry's pointer
/// (<see cref="ChannelVoices"/>). No restart, the base untouched.</item>
/// </list>
/// On its first round an instance takes the store's pointer, unless its own registry was moved after that promotion
/// (an operator activated a version here while it was down): then it publishes its own.
/// </summary>
public sealed partial class LivePointerFollower : BackgroundService
{
    private readonly ILiveAdapterPointers _pointers;
    private readonly LiveAdapter _live;
    private readonly ChannelVoices? _voices;
    private readonly string _instance;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger<LivePointerFollower> _logger;
    private readonly Dictionary<string, (string? Local, long Sequence)> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<(string, long)> _unreachable = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public LivePointerFollower(
        ILiveAdapterPointers pointers, LiveAdapter live, IOptions<AdaptersOptions> options, IOptions<StoreOptions> store,
        ILogger<LivePointerFollower> logger, TimeProvider? time = null, ChannelVoices? voices = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        _pointers = pointers;
        _live = live;
        _voices = voices;
        _instance = store.Value.ResolveInstanceId();
        _interval = options.Value.StorePointerPollInterval;
        _time = time ?? TimeProvider.System;
        _logger = logger;
    }

    /// <summary>The voices this instance keeps: the global registry, then each source's own, by store key.</summary>
    public IReadOnlyList<(string Key, AdapterRegistry Registry)> Voices =>
        [(ILiveAdapterPointers.Global, _live.Registry), .. (_voices?.SourcesWithOwnRegistry ?? []).Select(id => (id, _voices!.RegistryOf(id)!))];

    /// <summary>One round: publishes local promotions and applies the others'; returns how many pointers it applied here.</summary>
    public async Task<int> SyncOnceAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = (await _pointers.ListLiveAdaptersAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.SourceKey, StringComparer.Ordinal);
            var applied = 0;
            foreach (var (key, registry) in Voices)
            {
                var local = LocalOf(registry);
                var pointer = stored.GetValueOrDefault(key);
                if (_seen.TryGetValue(key, out var seen))
                {
                    if (local != seen.Local)
                    {
                        await PublishAsync(key, registry, local, cancellationToken).ConfigureAwait(false);
                    }
                    else if (pointer is not null && pointer.Sequence > seen.Sequence)
                    {
                        applied += Apply(key, registry, pointer) ? 1 : 0;
                    }

                    continue;
                }

                // First round for this voice.
                if (pointer is null)
                {
                    if (local is not null) await PublishAsync(key, registry, local, cancellationToken).ConfigureAwait(false);
                    else _seen[key] = (null, 0);
                }
                else if (local == (pointer.Version ?? BaseModel))
                {
                    _seen[key] = (local, pointer.Sequence);
                }
                else if (local is not null && registry.Activations().LastOrDefault() is { } last && last.At > pointer.PromotedAt)
                {
                    await PublishAsync(key, registry, local, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    applied += Apply(key, registry, pointer) ? 1 : 0;
                }
            }

            return applied;
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SyncOnceAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(_interval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogFailed(e, _interval);
                try
                {
                    await Task.Delay(_interval, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>What a registry's pointer says as the store spells it: null no pointer, <see cref="BaseModel"/> the bare base, else the version.</summary>
    private const string BaseModel = "";

    private static string? LocalOf(AdapterRegistry registry) =>
        registry.ActiveVersion ?? (registry.HasExplicitBaseModel ? BaseModel : null);

    private async Task PublishAsync(string key, AdapterRegistry registry, string? local, CancellationToken cancellationToken)
    {
        if (local is null)
        {
            _seen[key] = (null, _seen.GetValueOrDefault(key).Sequence);
            return;
        }

        string? version = local.Length == 0 ? null : local;
        var reason = registry.Activations().LastOrDefault()?.Reason ?? "promoted";
        var pointer = await _pointers.PromoteAsync(key, version, version is null ? null : registry.VersionPath(version), _instance, reason, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _seen[key] = (local, pointer.Sequence);
        LogPublished(Label(key), version ?? "base", pointer.Sequence);
    }

    /// <summary>Makes this instance's registry (and, for the global voice, the engine) follow the pointer; false when its files cannot be reached yet.</summary>
    private bool Apply(string key, AdapterRegistry registry, LiveAdapterPointer pointer)
    {
        string by = $"instance {pointer.PromotedBy}";
        string reason = $"{pointer.Reason} (followed from the store)";
        if (pointer.Version is { } version && registry.Get(version) is null)
        {
            if (pointer.Path is not { } path || !Directory.Exists(path))
            {
                if (_unreachable.Add((key, pointer.Sequence))) LogUnreachable(Label(key), version, pointer.Path ?? "(none)", pointer.PromotedBy);
                return false;
            }

            registry.ImportVersion(version, path);
        }

        if (key == ILiveAdapterPointers.Global)
        {
            var result = _live.Activate(pointer.Version, by, reason);
            if (!result.Accepted)
            {
                LogNotApplied(Label(key), pointer.Version ?? "base", result.Message);
                return false;
            }
        }
        else
        {
            registry.SetActive(pointer.Version, by, reason);   // the source's next draft reads it (ChannelVoices)
        }

        _seen[key] = (LocalOf(registry), pointer.Sequence);
        LogApplied(Label(key), pointer.Version ?? "base", pointer.PromotedBy, pointer.Sequence);
        return true;
    }

    private static string Label(string key) => key.Length == 0 ? "global" : key;

    [LoggerMessage(Level = LogLevel.Information, Message = "Published the {Voice} voice's live adapter {Version} to the store (promotion {Sequence})")]
    private partial void LogPublished(string voice, string version, long sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Voice} voice now drafts with {Version}, promoted on instance {Instance} (promotion {Sequence})")]
    private partial void LogApplied(string voice, string version, string instance, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Voice} voice's adapter {Version} promoted on instance {Instance} is in {Path}, which this instance cannot read; it keeps its live adapter until it can")]
    private partial void LogUnreachable(string voice, string version, string path, string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not make {Version} live for the {Voice} voice: {Message}")]
    private partial void LogNotApplied(string voice, string version, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the live-adapter pointers in the store failed; trying again in {Interval}")]
    private partial void LogFailed(Exception exception, TimeSpan interval);
}
