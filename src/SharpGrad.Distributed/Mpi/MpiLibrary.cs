using System.Runtime.InteropServices;
using System.Text;

namespace SharpGrad.Distributed.Mpi;

/// <summary>
/// The few MPI functions SharpGrad calls, bound at run time to whichever libmpi is installed, so
/// that nothing native is needed to build and a machine without MPI only fails when MPI is
/// actually asked for. Handles are kept as <see cref="nint"/>: an Open MPI handle is a pointer;
/// an MPICH handle is a 32-bit integer, which fits in (and is passed in the low half of) the same
/// argument register and request slot. Every call that can fail returns an MPI error code, which
/// <see cref="Check"/> turns into a <see cref="DistributedException"/> with MPI's own message
/// (the communicator is switched to MPI_ERRORS_RETURN so that errors come back instead of aborting).
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>Environment variable naming the MPI library file to load instead of searching.</summary>
    public const string LibraryVariable = "SHARPGRAD_MPI_LIBRARY";

    public const int Success = 0;
    public const int ThreadSerialized = 2;

    private static readonly string[] OpenMpiNames = ["libmpi.so.40", "libmpi.40.dylib"];
    private static readonly string[] MpichNames = ["libmpi.so.12", "libmpich.so.12", "libmpi.12.dylib", "libmpich.12.dylib"];
    private static readonly string[] GenericNames = ["libmpi.so", "libmpich.so", "libmpi.dylib"];

    private readonly nint library;

    private readonly delegate* unmanaged<int*, int> initialized;
    private readonly delegate* unmanaged<int*, int> finalized;
    private readonly delegate* unmanaged<int*, byte***, int, int*, int> initThread;
    private readonly delegate* unmanaged<int> finalize;
    private readonly delegate* unmanaged<nint, int*, int> commRank;
    private readonly delegate* unmanaged<nint, int*, int> commSize;
    private readonly delegate* unmanaged<nint, nint, int> commSetErrhandler;
    private readonly delegate* unmanaged<nint, int, int> abort;
    private readonly delegate* unmanaged<nint, nint*, int> ibarrier;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, nint*, int> ibcast;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> iallreduce;
    private readonly delegate* unmanaged<nint*, int*, void*, int> test;
    private readonly delegate* unmanaged<int, byte*, int*, int> errorString;
    private readonly delegate* unmanaged<byte*, int*, int> libraryVersion;

    private MpiLibrary(nint library, string path, MpiFlavor flavor)
    {
        this.library = library;
        Path = path;
        Flavor = flavor;
        initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        commSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        ibarrier = (delegate* unmanaged<nint, nint*, int>)Export("MPI_Ibarrier");
        ibcast = (delegate* unmanaged<void*, int, nint, int, nint, nint*, int>)Export("MPI_Ibcast");
        iallreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)Export("MPI_Iallreduce");
        test = (delegate* unmanaged<nint*, int*, void*, int>)Export("MPI_Test");
        errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        libraryVersion = (delegate* unmanaged<byte*, int*, int>)Export("MPI_Get_library_version");

        if (flavor == MpiFlavor.OpenMpi)
        {
            CommWorld = Export("ompi_mpi_comm_world");
            ErrorsReturn = Export("ompi_mpi_errors_return");
            RequestNull = Export("ompi_request_null");
            OpSum = Export("ompi_mpi_op_sum");
            OpMax = Export("ompi_mpi_op_max");
            OpMin = Export("ompi_mpi_op_min");
            Byte = Export("ompi_mpi_byte");
            Int = Export("ompi_mpi_int");
            LongLong = Export("ompi_mpi_long_long_int");
            Float = Export("ompi_mpi_float");
            Double = Export("ompi_mpi_double");
            InPlace = 1;
            StatusIgnore = 0;
        }
        else
        {
            // The values of MPICH's mpi.h, shared by every implementation of the MPICH ABI.
            CommWorld = 0x44000000;
            ErrorsReturn = 0x54000001;
            RequestNull = 0x2c000000;
            OpMax = 0x58000001;
            OpMin = 0x58000002;
            OpSum = 0x58000003;
            Byte = 0x4c00010d;
            Int = 0x4c000405;
            LongLong = 0x4c000809;
            Float = 0x4c00040a;
            Double = 0x4c00080b;
            InPlace = -1;
            StatusIgnore = 1;
        }
    }

    /// <summary>The file that was loaded.</summary>
    public string Path { get; }

    /// <summary>Which ABI the loaded library follows.</summary>
    public MpiFlavor Flavor { get; }

    public nint CommWorld { get; }
    public nint ErrorsReturn { get; }
    public nint RequestNull { get; }
    public nint OpSum { get; }
    public nint OpMax { get; }
    public nint OpMin { get; }
    public nint Byte { get; }
    public nint Int { get; }
    public nint LongLong { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint InPlace { get; }
    public nint StatusIgnore { get; }

    /// <summary>
    /// Loads the MPI library: the file named by <c>SHARPGRAD_MPI_LIBRARY</c> if set, otherwise the
    /// usual sonames, the flavour that matches the launcher's environment first (Open MPI's
    /// <c>mpirun</c> sets OMPI_* variables, MPICH's Hydra sets PMI_*).
    /// </summary>
    /// <exception cref="DistributedException">No MPI library could be loaded, or it lacks a function SharpGrad needs.</exception>
    public static MpiLibrary Load()
    {
        var tried = new List<string>();
        string? forced = Environment.GetEnvironmentVariable(LibraryVariable);
        IEnumerable<string> candidates = !string.IsNullOrWhiteSpace(forced)
            ? [forced]
            : MpiEnvironment.Detect()?.Launcher == MpiFlavor.Mpich
                ? [.. MpichNames, .. OpenMpiNames, .. GenericNames]
                : [.. OpenMpiNames, .. MpichNames, .. GenericNames];
        foreach (var name in candidates)
        {
            tried.Add(name);
            if (!NativeLibrary.TryLoad(name, out var handle))
                continue;
            if (!NativeLibrary.TryGetExport(handle, "MPI_Iallreduce", out _))
                continue;
            var flavor = NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _) ? MpiFlavor.OpenMpi : MpiFlavor.Mpich;
            return new MpiLibrary(handle, name, flavor);
        }
        throw new DistributedException(
            $"No MPI library could be loaded (tried {string.Join(", ", tried)}). Install Open MPI or MPICH " +
            $"(Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev), or set {LibraryVariable} to the path of libmpi.");
    }

    public bool IsInitialized()
    {
        int flag;
        Check(initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    public bool IsFinalized()
    {
        int flag;
        Check(finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    public void Init()
    {
        int provided;
        Check(initThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        Check(commSetErrhandler(CommWorld, ErrorsReturn), "MPI_Comm_set_errhandler");
    }

    public void Shutdown() => Check(finalize(), "MPI_Finalize");

    public int Rank()
    {
        int rank;
        Check(commRank(CommWorld, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int Size()
    {
        int size;
        Check(commSize(CommWorld, &size), "MPI_Comm_size");
        return size;
    }

    public void Abort(int code) => abort(CommWorld, code);

    public nint StartBarrier()
    {
        nint request = 0;
        Check(ibarrier(CommWorld, &request), "MPI_Ibarrier");
        return request;
    }

    public nint StartBroadcast(void* buffer, int count, nint datatype, int root)
    {
        nint request = 0;
        Check(ibcast(buffer, count, datatype, root, CommWorld, &request), "MPI_Ibcast");
        return request;
    }

    /// <summary>Starts an in-place all-reduce of <paramref name="count"/> elements at <paramref name="buffer"/>.</summary>
    public nint StartAllReduce(void* buffer, int count, nint datatype, nint op)
    {
        nint request = 0;
        Check(iallreduce((void*)InPlace, buffer, count, datatype, op, CommWorld, &request), "MPI_Iallreduce");
        return request;
    }

    /// <summary>Drives progress on <paramref name="request"/>; true once it has completed (the slot then holds MPI_REQUEST_NULL).</summary>
    public bool Test(ref nint request, string operation)
    {
        int done;
        fixed (nint* slot = &request)
            Check(test(slot, &done, (void*)StatusIgnore), operation);
        return done != 0;
    }

    /// <summary>The library's own description of itself ("Open MPI v4.1.4, ...", "MPICH Version: 4.0.2 ...").</summary>
    public string Version()
    {
        var buffer = new byte[8192];
        int length;
        fixed (byte* p = buffer)
            if (libraryVersion(p, &length) != Success) return Flavor.ToString();
        return Encoding.ASCII.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).Split('\n')[0].Trim().TrimEnd(',');
    }

    /// <summary>Throws a <see cref="DistributedException"/> with MPI's message unless <paramref name="code"/> is MPI_SUCCESS.</summary>
    public void Check(int code, string function)
    {
        if (code != Success)
            throw new DistributedException($"{function} failed: {ErrorText(code)} (MPI error {code}).");
    }

    private string ErrorText(int code)
    {
        var buffer = new byte[1024];
        int length;
        fixed (byte* p = buffer)
            if (errorString(code, p, &length) != Success) return "unknown error";
        // MPICH adds an "error stack" over several lines; an error message is one line.
        var lines = Encoding.ASCII.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).TrimEnd('\0', ' ')
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" ", lines);
    }

    private nint Export(string name) =>
        NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new DistributedException($"The MPI library {Path} has no {name}; SharpGrad needs MPI 3.0 or newer (Open MPI ≥ 1.8, MPICH ≥ 3.0).");
}
