using System.CommandLine;
using SharpGrad.Explain;
using GradProgram = SharpGrad.Explain.Program;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad shapes FILE [--wrt NAME] [--of NAME]</c>: the Jacobian size of every factor of
/// ∂objective/∂NAME in the denominator layout of spec E6 (see <see cref="JacobianShapes"/>).
/// </summary>
internal static class ShapesCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var of = ExplainCli.OfOption();
        var wrt = new Option<string?>("--wrt") { Description = "The variable at the start of the chain (default: the first assignment)." };
        var command = new Command("shapes", "List the Jacobian size of every factor of a chain, in the denominator layout (spec E6).");
        command.Arguments.Add(file);
        command.Options.Add(wrt);
        command.Options.Add(of);
        command.Action = ExplainCli.Action(parse =>
        {
            var program = GradProgram.Load(parse.GetValue(file)!);
            Console.Out.Write(JacobianShapes.Create(program, parse.GetValue(wrt), parse.GetValue(of)).Render());
            return 0;
        });
        return command;
    }
}
