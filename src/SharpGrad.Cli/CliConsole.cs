using Spectre.Console;

namespace SharpGrad.Cli;

/// <summary>
/// The console the commands write tables and markup to. On a terminal Spectre.Console wraps at the
/// window's width; a file or pipe has no width, and Spectre then assumes 80 columns, which breaks long
/// table rows and paths across lines and makes the output hard to read back or grep. Redirected output is
/// therefore given a width that no line of ours reaches, so each line is written whole.
/// </summary>
internal static class CliConsole
{
    /// <summary>
    /// The width used when the output is not a terminal: wider than any table or message the commands
    /// print, and small enough that Spectre's width arithmetic cannot overflow.
    /// </summary>
    public const int RedirectedWidth = 1 << 16;

    /// <summary>Widens <paramref name="console"/> when it writes to a file or a pipe; a terminal keeps its own width.</summary>
    public static void Configure(IAnsiConsole console)
    {
        if (!console.Profile.Out.IsTerminal)
            console.Profile.Width = RedirectedWidth;
    }
}
