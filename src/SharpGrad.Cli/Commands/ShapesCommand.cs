using System.CommandLine;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad shapes FILE [--wrt NAME] [--of NAME] [--layout gradient|numerator|denominator] [--json]</c>:
/// parameter counts and output sizes of the declared conv layers (spec E4, E10; see <see cref="ConvShapes"/>),
/// and the Jacobian size of every factor of ∂objective/∂NAME in the stated layout, by default the
/// denominator layout of spec E6 (see <see cref="JacobianShapes"/>).
/// When the program declares conv layers and --wrt is not given, only the conv layers are listed.
/// </summary>
internal static class ShapesCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var of = ExplainCli.OfOption();
        var wrt = new Option<string?>("--wrt") { Description = "The variable at the start of the chain (default: the first assignment; with conv layers and no --wrt only the layers are listed)." };
        var layout = ExplainCli.LayoutOption(Layout.Denominator);
        var json = ExplainCli.JsonOption();
        var command = new Command("shapes", "List conv layers' parameter counts and output sizes, and the Jacobian size of every factor of a chain in a stated layout.");
        command.Arguments.Add(file);
        command.Options.Add(wrt);
        command.Options.Add(of);
        command.Options.Add(layout);
        command.Options.Add(json);
        command.Action = ExplainCli.Action(parse =>
        {
            var program = GradProgram.Load(parse.GetValue(file)!);
            var w = parse.GetValue(wrt);
            var chosen = Layouts.Parse(parse.GetValue(layout)!);
            if (parse.GetValue(json))
            {
                var jacobian = program.ConvLayers.Count > 0 && w is null ? null : JacobianShapes.Create(program, w, parse.GetValue(of), chosen);
                Console.Out.WriteLine(ExplainJson.Shapes(program.ConvLayers, jacobian));
                return 0;
            }
            if (program.ConvLayers.Count > 0)
            {
                Console.Out.Write(ConvShapes.Render(program));
                if (w is null) return 0;
                Console.Out.Write("\n");
            }
            Console.Out.Write(JacobianShapes.Create(program, w, parse.GetValue(of), chosen).Render());
            return 0;
        });
        return command;
    }
}
