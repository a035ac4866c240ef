namespace SharpGrad.Distributed;

/// <summary>How an all-reduce combines the ranks' values element by element.</summary>
public enum ReduceOp
{
    /// <summary>The sum over ranks.</summary>
    Sum,

    /// <summary>The sum over ranks divided by the number of ranks (floating-point data only).</summary>
    Average,

    /// <summary>The largest value.</summary>
    Max,

    /// <summary>The smallest value.</summary>
    Min,
}
