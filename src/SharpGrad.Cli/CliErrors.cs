namespace SharpGrad.Cli;

/// <summary>
/// Turns library exceptions into one-line messages on stderr and a non-zero exit code, so a
/// user never sees a stack trace for a mistake in their input.
/// </summary>
internal static class CliErrors
{
    public const int UsageError = 2;

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or IOException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return UsageError;
        }
    }
}
