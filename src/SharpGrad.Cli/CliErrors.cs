using SharpGrad.IO;

namespace SharpGrad.Cli;

/// <summary>
/// Turns library exceptions into one-line messages on stderr and an exit code, so a user never
/// sees a stack trace for a mistake in their input. The codes are explicit: 0 success (and, for
/// <c>check</c>, "correct"), 1 only for <c>check</c>'s "incorrect", 2 bad input (arguments, files,
/// programs), 70 an internal error (a bug, or an external program that failed on our input).
/// </summary>
internal static class CliErrors
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
        if (e is not IOException io || !AtomicFile.IsDiskFull(io) || e.Message.Contains("disk is full", StringComparison.Ordinal))
            return e.Message;
        int at = e.Message.IndexOf(" : '", StringComparison.Ordinal);
        return at >= 0
            ? $"cannot write {e.Message[(at + 3)..]}: the disk is full (no space left on the device)."
            : "cannot write the output: the disk is full (no space left on the device).";
    }
}
