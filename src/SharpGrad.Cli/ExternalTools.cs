using System.ComponentModel;
using System.Diagnostics;

namespace SharpGrad.Cli;

/// <summary>
/// Starting the optional programs some commands drive (Graphviz's <c>dot</c>, the Python that runs the PyTorch
/// reference). A program that is not installed is an expected situation for these commands, reported with an
/// install hint, so it comes back as null rather than as an exception.
/// </summary>
internal static class ExternalTools
{
    /// <summary>The started process, or null when the executable could not be found or started.</summary>
    public static Process? TryStart(ProcessStartInfo info)
    {
        try
        {
            return Process.Start(info);
        }
        catch (Exception e) when (e is Win32Exception or FileNotFoundException)
        {
            return null;
        }
    }
}
