using System.CommandLine;
using System.Globalization;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad step FILE --lr RATE [--of NAME] [--set NAME=VALUE]... [--format text|markdown|latex]</c>:
/// the worked example of spec E9 for any program: the forward table, the backward table in
/// reverse order with the chain-rule product behind each number, and one SGD update.
/// </summary>
internal static class StepCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var lr = CliOptions.Number("--lr", "The SGD learning rate η (a positive number).");
        lr.Required = true;
        var of = ExplainCli.OfOption();
        var set = ExplainCli.SetOption();
        var format = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "text" }.OneOf("text", "markdown", "latex");
        var command = new Command("step", "Work through one forward pass, backward pass and SGD step of a .grad program.");
        command.Arguments.Add(file);
        command.Options.Add(lr);
        command.Options.Add(of);
        command.Options.Add(set);
        command.Options.Add(format);
        command.Action = ExplainCli.Action(parse =>
            Run(parse.GetValue(file)!, parse.GetValue(lr), parse.GetValue(of), parse.GetValue(set), parse.GetValue(format)!));
        return command;
    }

    private static int Run(string path, double learningRate, string? objective, string[]? sets, string format)
    {
        if (!double.IsFinite(learningRate) || learningRate <= 0)
            throw new ArgumentException($"--lr must be a positive number, got {learningRate.ToString(CultureInfo.InvariantCulture)}.");
        var overrides = ExplainCli.ParseSets(sets);
        var program = GradProgram.Load(path);
        var report = StepReport.Create(program.Evaluate(overrides, objective), learningRate);
        var outputFormat = format switch
        {
            "markdown" => OutputFormat.Markdown,
            "latex" => OutputFormat.Latex,
            _ => OutputFormat.Text,
        };
        Console.Out.Write(StepRenderer.Render(report, outputFormat));
        return 0;
    }
}
