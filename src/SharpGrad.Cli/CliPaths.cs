using System.CommandLine;
using System.Text;
using SharpGrad.IO;

namespace SharpGrad.Cli;

/// <summary>File-system helpers shared by the commands.</summary>
internal static class CliPaths
{
    /// <summary>
    /// The MNIST folder a command reads: <paramref name="given"/> (the <c>--data</c> option) when set,
    /// otherwise the bundled digits, which the build copies into <c>data/</c> beside the assembly so that
    /// an installed tool finds them from any working directory.
    /// </summary>
    public static string DataFolder(string? given) =>
        given ?? Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>The <c>--data</c> option of the commands that read digits; unset means the bundled ones.</summary>
    public static Option<string?> DataOption() =>
        new("--data") { Description = "Folder with MNIST IDX files (train-images-idx3-ubyte[.gz], ...); default: the bundled 8 000/2 000 digits." };

    /// <summary>
    /// Refuses an empty <paramref name="path"/> and one that names a folder where <paramref name="option"/>
    /// expects a file (to read or to write), with a message naming both; returns the path.
    /// </summary>
    public static string CheckFile(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"{option} needs a file name, got an empty one.");
        if (Directory.Exists(path))
            throw new IOException($"{option}: '{path}' is a folder; give a file name.");
        return path;
    }

    /// <summary>
    /// Refuses an empty <paramref name="path"/> and one that names an existing file where
    /// <paramref name="option"/> expects a folder; returns the path.
    /// </summary>
    public static string CheckFolder(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"{option} needs a folder name, got an empty one.");
        if (File.Exists(path))
            throw new IOException($"{option}: '{path}' is a file; give a folder.");
        return path;
    }

    /// <summary>
    /// Refuses to write <paramref name="path"/> (for <paramref name="option"/>) into a folder that does not
    /// exist, naming that folder, as <see cref="AtomicFile"/> does for every other file the commands write,
    /// and into a folder that takes no new files (no permission, a read-only or virtual file system such as
    /// /proc): the file is written beside its target first, so a short-lived file of that kind is created and
    /// removed here, before any work is done or any program is started.
    /// </summary>
    public static string CheckNewFile(string option, string path)
    {
        CheckFile(option, path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        if (folder is null)
            throw new ArgumentException($"{option}: '{path}' is not a file name.");
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException(File.Exists(folder)
                ? $"{option}: cannot write '{path}' because '{folder}' is a file, not a folder."
                : $"{option}: cannot write '{path}' because the folder '{folder}' does not exist.");
        // The name AtomicFile gives its temporary files, so that one left by a killed process is cleaned up with theirs.
        var probe = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose).Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e is UnauthorizedAccessException ? "there is no permission to create files in the folder" : "no file can be created in the folder";
            throw new IOException($"{option}: cannot write '{path}': {why} '{folder}'.");
        }
        finally
        {
            // DeleteOnClose has removed it; this is for a file system that ignores that flag.
            try { File.Delete(probe); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return path;
    }

    /// <summary>
    /// Makes the output folder of a training run and checks that each of <paramref name="files"/> can be written in
    /// it, so that a folder that takes no files, or a folder standing where a file goes, is found before the first
    /// epoch rather than after the last; abandoned temporary files of an earlier run are removed.
    /// </summary>
    public static void PrepareOutputFolder(string option, string folder, params string[] files)
    {
        CheckFolder(option, folder);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e is UnauthorizedAccessException ? "there is no permission to create it" : "it cannot be created here (a read-only file system, or a file on the way)";
            throw new IOException($"{option}: cannot make the folder '{folder}': {why}.");
        }
        AtomicFile.RemoveAbandoned(folder);
        foreach (var file in files) CheckNewFile(option, Path.Combine(folder, file));
    }

    /// <summary>Writes text atomically, so readers never see half a file.</summary>
    public static void WriteText(string path, string contents, string caller) =>
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(contents)), caller);

    /// <summary>
    /// Whether <paramref name="a"/> and <paramref name="b"/> name the same file: the same full path (in any
    /// case where the file system ignores case), or a symbolic link to the other.
    /// </summary>
    public static bool SameFile(string a, string b)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        static string Resolve(string path)
        {
            var full = Path.GetFullPath(path);
            try
            {
                return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return full;
            }
        }
        return string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), comparison) || string.Equals(Resolve(a), Resolve(b), comparison);
    }

    /// <summary>
    /// Refuses to write <paramref name="output"/> (for <paramref name="option"/>) over <paramref name="input"/>, a file
    /// the command reads: "--png: 'e9.grad' is the program; the picture would overwrite it. Give another name."
    /// </summary>
    public static void NotAnInput(string option, string output, string input, string what)
    {
        // An empty name is CheckNewFile's to report.
        if (!string.IsNullOrWhiteSpace(output) && !string.IsNullOrWhiteSpace(input) && SameFile(output, input))
            throw new ArgumentException($"{option}: '{output}' is {what}. Give another name.");
    }
}
