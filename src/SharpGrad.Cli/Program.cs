using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using SharpGrad.Cli.Commands;
using Spectre.Console;

namespace SharpGrad.Cli;

/// <summary>The <c>sharpgrad</c> command: a thin layer of subcommands over the public library API.</summary>
public static class Program
{
    /// <summary>Parses the arguments and runs the chosen subcommand; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        // Numbers on the command line and in every file and report are written with a '.', whatever
        // LC_ALL says: "--lr 0.002" must not become 2 under de_DE, and metrics.csv must stay CSV.
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        try
        {
            return Run(args);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
        }
    }

    private static int Run(string[] args)
    {
        CliConsole.Configure(AnsiConsole.Console);
        var root = CreateRoot();
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(SummaryCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(GradCommand.Create());
        root.Subcommands.Add(StepCommand.Create());
        root.Subcommands.Add(ExplainCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(CostCommand.Create());
        root.Subcommands.Add(WhyCommand.Create());
        root.Subcommands.Add(DotCommand.Create());
        root.Subcommands.Add(ShapesCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would print help and exit 1; a usage mistake is exit code 2 everywhere in sharpgrad.
            // One line per mistake, each naming the option; the first is usually the only one.
            // An unknown command leaves the parser at the root, which then also reports that no command was given
            // and that each later argument is not one either: only the unknown command itself is worth a line.
            if (parse.CommandResult.Command == root && parse.UnmatchedTokens.Count > 0)
            {
                Console.Error.WriteLine($"error: Unrecognized command or argument '{parse.UnmatchedTokens[0]}'. Run 'sharpgrad --help' for the commands.");
                return CliErrors.UsageError;
            }
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
            // A consumer of --json reads stdout: the mistake is there too, as every other error of those commands is.
            if (ExplainCli.AsksForJson(parse))
                Console.Out.WriteLine(SharpGrad.Explain.ExplainJson.Error(string.Join(" ", parse.Errors.Select(e => e.Message))));
            return CliErrors.UsageError;
        }
        // Exceptions must reach CliErrors, which maps them to one-line messages and exit codes.
        return CliErrors.Run(() => parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
    }

    /// <summary>
    /// The root command, named <c>sharpgrad</c> whatever the executable is called: a RootCommand takes
    /// its name from the running executable, which is SharpGrad.Cli under <c>dotnet run</c> and the test host
    /// in tests, and usage lines must show the command a user types. Help and version are what a
    /// RootCommand would add; its directives (shell-completion plumbing) are left out.
    /// </summary>
    private static Command CreateRoot() =>
        new("sharpgrad", "SharpGrad: tensors, reverse-mode autograd and neural networks in pure managed .NET.")
        {
            new HelpOption(),
            new VersionOption(),
        };
}
