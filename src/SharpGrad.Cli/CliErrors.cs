namespace SharpGrad.Cli;

/// <summary>
/// Turns library exceptions into one-line messages on stderr and a non-zero exit code, so a
/// user never sees a stack trace for a mistake in their input.
/// </summary>
internal static class CliErrors
{
    public const int UsageError = 2;

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
            Console.Error.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        catch (Exception e)
        {
            // Still no stack trace for the user, but a different code so scripts can tell a bug from bad input.
            Console.Error.WriteLine($"internal error ({e.GetType().Name}): {e.Message}");
            return InternalError;
        }
    }
}
