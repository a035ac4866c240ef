using System.ComponentModel;
using System.Diagnostics;

namespace SharpGrad.Cli.Bench;

/// <summary>
/// The lines printed under the table (or on stderr with <c>--json</c>): where each reference was loaded from,
/// which ones are missing and how to install them. The same note is kept once.
/// </summary>
internal sealed class BenchNotes
{
    private readonly List<string> lines = [];

    public IReadOnlyList<string> Lines => lines;

    public void Add(string line)
    {
        if (!lines.Contains(line))
            lines.Add(line);
    }

    /// <summary>
    /// The full path of the native library this process has loaded whose file name starts with
    /// <paramref name="fileNamePrefix"/>, or null: a library loaded by bare name may come from any folder on the
    /// loader's search path, and the note should say which copy was measured.
    /// </summary>
    public static string? LoadedFrom(string fileNamePrefix)
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            foreach (ProcessModule module in process.Modules)
                if (Path.GetFileName(module.FileName).StartsWith(fileNamePrefix, StringComparison.Ordinal))
                    return module.FileName;
        }
        catch (Exception e) when (e is Win32Exception or NotSupportedException or InvalidOperationException)
        {
            // The module list is a nicety for the note; without it the note names the library as it was asked for.
        }
        return null;
    }
}
