using System.Text.RegularExpressions;
using SharpGrad.IO;

namespace SharpGrad.Cli;

/// <summary>
/// Turns library exceptions into one-line messages on stderr and an exit code, so a user never
/// sees a stack trace for a mistake in their input. The codes are explicit: 0 success (and, for
/// <c>check</c>, "correct"), 1 only for <c>check</c>'s "incorrect", 2 bad input (arguments, files,
/// programs, and an external program such as Graphviz that failed), 70 an internal error (a bug).
/// </summary>
internal static partial class CliErrors
{
    /// <summary>A mistake in the arguments, a file or a program.</summary>
    public const int UsageError = 2;

    /// <summary>A failure that is not the user's (EX_SOFTWARE in sysexits.h).</summary>
    public const int InternalError = 70;

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or IOException
            or InvalidDataException or FormatException or UnauthorizedAccessException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"error: {Describe(e)}");
            return UsageError;
        }
        catch (Exception e)
        {
            // Still no stack trace for the user, but a different code so scripts can tell a bug from bad input.
            Console.Error.WriteLine($"internal error ({e.GetType().Name}): {e.Message}");
            return InternalError;
        }
    }

    /// <summary>
    /// The message to show for an input or I/O error. A full disk met outside <see cref="AtomicFile"/>
    /// (which names its target itself) is most often standard output redirected to a file.
    /// </summary>
    public static string Describe(Exception e)
    {
        if (SystemMessage(e) is { } plain)
            return plain;
        if (e is not IOException io || !AtomicFile.IsDiskFull(io) || e.Message.Contains("disk is full", StringComparison.Ordinal))
            return e.Message;
        int at = e.Message.IndexOf(" : '", StringComparison.Ordinal);
        return at >= 0
            ? $"cannot write {e.Message[(at + 3)..]}: the disk is full (no space left on the device)."
            : "cannot write the output: the disk is full (no space left on the device).";
    }

    /// <summary>
    /// The file-system errors that .NET itself raises, with its wording ("Could not find a part of the path
    /// '/x/y'.") replaced by the path and what is wrong with it ("/x/y: no such file"); null for any other
    /// message, which the commands wrote for the user already. The runtime's messages are in English here:
    /// <see cref="Program.Main"/> runs under the invariant culture.
    /// </summary>
    private static string? SystemMessage(Exception e)
    {
        var match = e switch
        {
            FileNotFoundException or DirectoryNotFoundException => NotFound().Match(e.Message),
            UnauthorizedAccessException => Denied().Match(e.Message),
            _ => Match.Empty,
        };
        if (!match.Success)
            return null;
        var path = match.Groups["path"].Value;
        if (e is UnauthorizedAccessException)
            return Directory.Exists(path) ? $"{path}: is a folder, not a file" : $"{path}: permission denied";
        var folder = Path.GetDirectoryName(path);
        return folder is { Length: > 0 } && !Directory.Exists(folder)
            ? $"{path}: no such file (there is no folder {folder})"
            : $"{path}: no such file";
    }

    [GeneratedRegex(@"^Could not find (?:file|a part of the path) '(?<path>.+)'\.$")]
    private static partial Regex NotFound();

    [GeneratedRegex(@"^Access to the path '(?<path>.+)' is denied\.$")]
    private static partial Regex Denied();
}
