using System.CommandLine;
using SharpGrad.Explain;
using Spectre.Console;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad grad FILE [--of NAME] [--set NAME=VALUE]... [--json]</c>: evaluates a program and
/// prints every named node's value and the gradient of the objective with respect to it, computed
/// by the autograd engine. <c>--json</c> prints the contract of <see cref="EvaluationJson"/> instead.
/// </summary>
internal static class GradCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var of = ExplainCli.OfOption();
        var set = ExplainCli.SetOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object {objective, values, gradients, shapes} instead of a table." };
        var command = new Command("grad", "Evaluate a .grad program and print every value and gradient of the objective.");
        command.Arguments.Add(file);
        command.Options.Add(of);
        command.Options.Add(set);
        command.Options.Add(json);
        command.Action = ExplainCli.Action(parse =>
            Run(parse.GetValue(file)!, parse.GetValue(of), parse.GetValue(set), parse.GetValue(json)));
        return command;
    }

    private static int Run(string path, string? objective, string[]? sets, bool json)
    {
        var overrides = ExplainCli.ParseSets(sets);
        var program = GradProgram.Load(path);
        var evaluation = program.Evaluate(overrides, objective);
        if (evaluation.NonFiniteWarning("the gradients") is { } warning) Console.Error.WriteLine(warning);
        if (json)
        {
            Console.Out.WriteLine(EvaluationJson.Write(evaluation));
            return 0;
        }

        var j = evaluation.ObjectiveName;
        var table = new Table().Title($"Values and gradients of the objective {Markup.Escape(j)} = {Markup.Escape(ValueFormat.Number(evaluation.ObjectiveValue))}")
            .AddColumns("node", "definition", "shape", "value", $"∂{Markup.Escape(j)}/∂node");
        foreach (var name in evaluation.Names)
        {
            var node = evaluation.Graph[name];
            var definition = node.Declaration is { } d ? d.Keyword
                : node.Expression is { } e ? ExprPrinter.Text(e)
                : "";
            // A formula of 4000 terms or a vector of 5000 numbers is cut as step's cells are (--json has every character):
            // the table's wrapping would otherwise take seconds per cell.
            table.AddRow(
                new Text(TextTable.Cut(name)), new Text(TextTable.Cut(definition)), new Text(ValueFormat.Shape(evaluation.Value(name))),
                new Text(TextTable.Cut(ValueFormat.Tensor(evaluation.Value(name)))), new Text(TextTable.Cut(ValueFormat.Tensor(evaluation.Gradient(name)))));
        }
        AnsiConsole.Write(table);
        return 0;
    }
}
