using System.CommandLine;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad cost FILE [--of NAME] [--json]</c>: spec E12, the multiplications needed to get every
/// parameter's gradient path by path against one backward sweep (see <see cref="GradientCost"/>).
/// </summary>
internal static class CostCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var of = ExplainCli.OfOption();
        var json = ExplainCli.JsonOption();
        var command = new Command("cost", "Count the multiplications of every parameter's gradient path by path against one backward sweep.");
        command.Arguments.Add(file);
        command.Options.Add(of);
        command.Options.Add(json);
        command.Action = ExplainCli.Action(parse =>
        {
            var program = GradProgram.Load(parse.GetValue(file)!);
            var cost = GradientCost.Create(program, parse.GetValue(of));
            Console.Out.Write(parse.GetValue(json) ? ExplainJson.Cost(cost) + "\n" : cost.Render());
            return 0;
        });
        return command;
    }
}
