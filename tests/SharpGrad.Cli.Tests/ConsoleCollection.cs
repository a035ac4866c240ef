namespace SharpGrad.Cli.Tests;

/// <summary>Tests that redirect the process-wide console run one at a time, in this collection.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Console";
}
