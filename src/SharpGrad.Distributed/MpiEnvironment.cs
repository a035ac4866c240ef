using System.Globalization;
using SharpGrad.Distributed.Mpi;

namespace SharpGrad.Distributed;

/// <summary>
/// What the launcher told this process through its environment: Open MPI's <c>mpirun</c> sets
/// OMPI_COMM_WORLD_RANK/SIZE, MPICH's Hydra and Slurm's PMI set PMI_RANK/SIZE, PMIx launchers
/// set PMIX_RANK. Reading them needs no MPI library, so a program can decide to go distributed
/// (and report a missing library clearly) before loading anything native.
/// </summary>
/// <param name="Rank">This process's rank.</param>
/// <param name="Size">The number of processes, or 0 when the launcher did not say.</param>
/// <param name="Launcher">The MPI family whose launcher set the variables.</param>
/// <param name="Variable">The variable the size (or rank) was read from, for messages.</param>
public sealed record MpiEnvironment(int Rank, int Size, MpiFlavor Launcher, string Variable)
{
    /// <summary>The launch this process is part of, or null when it was not started by an MPI launcher.</summary>
    public static MpiEnvironment? Detect() => Detect(Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Detect()"/>, reading variables through <paramref name="get"/>.</summary>
    public static MpiEnvironment? Detect(Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        if (Read(get, "OMPI_COMM_WORLD_SIZE") is int ompiSize)
            return new(Read(get, "OMPI_COMM_WORLD_RANK") ?? 0, ompiSize, MpiFlavor.OpenMpi, "OMPI_COMM_WORLD_SIZE");
        if (Read(get, "PMI_SIZE") is int pmiSize)
            return new(Read(get, "PMI_RANK") ?? 0, pmiSize, MpiFlavor.Mpich, "PMI_SIZE");
        if (Read(get, "PMIX_RANK") is int pmixRank)
            return new(pmixRank, 0, MpiFlavor.OpenMpi, "PMIX_RANK");
        return null;
    }

    private static int? Read(Func<string, string?> get, string name) =>
        int.TryParse(get(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0 ? v : null;
}
