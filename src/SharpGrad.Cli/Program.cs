using System.CommandLine;
using SharpGrad.Cli.Commands;

namespace SharpGrad.Cli;

/// <summary>The <c>sharpgrad</c> command: a thin layer of subcommands over the public library API.</summary>
public static class Program
{
    /// <summary>Parses the arguments and runs the chosen subcommand; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("SharpGrad: tensors, reverse-mode autograd and neural networks in pure managed .NET.");
        root.Subcommands.Add(DemoCommand.Create());
        return CliErrors.Run(() => root.Parse(args).Invoke());
    }
}
