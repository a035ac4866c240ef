using Spectre.Console;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// Runs <c>sharpgrad</c> in-process with stdout and stderr captured. Console and AnsiConsole
/// are process-wide, so every test that uses this runner is in the <see cref="ConsoleCollection"/>,
/// which xunit runs one test at a time.
/// </summary>
internal static class CliRunner
{
    /// <summary>
    /// Runs the command with its output going to strings, as to a file or pipe: the console is not a
    /// terminal, so the command sees what redirected output looks like.
    /// </summary>
    public static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        var originalOut = Console.Out;
        var originalError = Console.Error;
        var originalAnsi = AnsiConsole.Console;
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(stdout),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            AnsiConsole.Console = console;
            int code = Program.Main(args);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
            AnsiConsole.Console = originalAnsi;
        }
    }

    /// <summary>The repository root (where SharpGrad.sln is).</summary>
    public static string RepoRoot { get; } = FindRoot();

    public static string Example(string name) => Path.Combine(RepoRoot, "examples", name);

    public static string Golden(string name) => Path.Combine(RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Golden", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SharpGrad.sln")))
                return dir.FullName;
        throw new InvalidOperationException("SharpGrad.sln not found above " + AppContext.BaseDirectory);
    }
}
