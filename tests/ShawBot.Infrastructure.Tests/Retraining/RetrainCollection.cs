namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>The training tests share the cores: run them one after another, so the crash test's kill points land where intended.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RetrainCollection
{
    public const string Name = "retraining";
}
