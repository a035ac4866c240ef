namespace SharpGrad.Data;

/// <summary>
/// One process's part of a global batch: the sample indices it loads, and the rows of the global
/// batch they are (<see cref="Offset"/> … <see cref="Offset"/> + Indices.Length of <see cref="GlobalCount"/>).
/// </summary>
/// <param name="Indices">The samples this process loads, in order.</param>
/// <param name="Offset">The row of the global batch where they start.</param>
/// <param name="GlobalCount">The rows of the global batch.</param>
public sealed record ShardedBatch(int[] Indices, int Offset, int GlobalCount);
