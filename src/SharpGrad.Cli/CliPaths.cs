using System.Text;
using SharpGrad.IO;

namespace SharpGrad.Cli;

/// <summary>File-system helpers shared by the commands.</summary>
internal static class CliPaths
{
    /// <summary>
    /// The bundled digits: <c>data/</c> in the current directory if present, otherwise the
    /// <c>data/</c> folder of the repository the command was built from.
    /// </summary>
    public static string DefaultDataFolder()
    {
        if (Directory.Exists("data")) return "data";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data");
            if (File.Exists(Path.Combine(dir.FullName, "SharpGrad.sln")) && Directory.Exists(candidate))
                return candidate;
        }
        return "data";
    }

    /// <summary>Writes text atomically, so readers never see half a file.</summary>
    public static void WriteText(string path, string contents, string caller) =>
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(contents)), caller);
}
