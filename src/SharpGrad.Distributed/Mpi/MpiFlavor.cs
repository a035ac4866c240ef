namespace SharpGrad.Distributed.Mpi;

/// <summary>
/// The two MPI application binary interfaces in use. They agree on the function names but not on
/// what a handle is: Open MPI's predefined handles are addresses of exported objects
/// (<c>&amp;ompi_mpi_comm_world</c>), MPICH's (and Intel MPI's, MVAPICH's) are fixed integers.
/// </summary>
public enum MpiFlavor
{
    /// <summary>Open MPI (libmpi.so.40): handles are pointers to exported symbols.</summary>
    OpenMpi,

    /// <summary>MPICH and its derivatives (libmpi.so.12, libmpich.so.12): handles are 32-bit integers.</summary>
    Mpich,
}
