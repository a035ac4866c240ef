namespace SharpGrad.Distributed;

/// <summary>
/// A failure of distributed training that is not a bug in the caller's code: MPI missing or
/// failing, a peer that stopped answering within the timeout, ranks that disagree about their
/// arguments. The message says which rank saw it and what it was doing.
/// </summary>
public sealed class DistributedException : InvalidOperationException
{
    /// <summary>Creates the exception with its message.</summary>
    public DistributedException(string message) : base(message) { }

    /// <summary>Creates the exception with its message and cause.</summary>
    public DistributedException(string message, Exception inner) : base(message, inner) { }
}
