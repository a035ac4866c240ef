using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad demo</c>: the worked forward and backward pass of the seed homework (a
/// two-layer ReLU network with x = 3, y = 6), computed by autograd, followed by one SGD step.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var lr = CliOptions.Number("--lr", "SGD learning rate for the update step.");
        lr.DefaultValueFactory = _ => 0.01;
        var command = new Command("demo", "Run the worked example: forward pass, gradients by autograd, and one SGD step.");
        command.Options.Add(lr);
        command.SetAction(parse => Run(parse.GetValue(lr)));
        return command;
    }

    private static int Run(double learningRate)
    {
        if (!double.IsFinite(learningRate) || learningRate <= 0)
            throw new ArgumentException($"--lr must be a positive number, got {learningRate.ToString(CultureInfo.InvariantCulture)}.");
        var x = Tensor.FromArray([3.0], 1);
        var y = Tensor.Scalar(6, DType.Float64);
        var w1 = Tensor.FromNested(new double[,] { { 1 }, { -1 } }).RequireGrad();
        var w2 = Tensor.FromNested(new double[,] { { -1, 1 }, { 1, -1 } }).RequireGrad();
        var w3 = Tensor.FromNested(new double[,] { { -1, 1 } }).RequireGrad();

        var a1 = w1.MatMul(x);
        var h1 = a1.Relu();
        var a2 = w2.MatMul(h1);
        var h2 = a2.Relu();
        var yHat = w3.MatMul(h2).Sum();
        var loss = (y - yHat).Pow(2);
        loss.Backward();

        var forward = new Table().Title("Forward pass").AddColumns("node", "value");
        forward.AddRow("a1 = W1·x", Show(a1));
        forward.AddRow("h1 = ReLU(a1)", Show(h1));
        forward.AddRow("a2 = W2·h1", Show(a2));
        forward.AddRow("h2 = ReLU(a2)", Show(h2));
        forward.AddRow("ŷ = W3·h2", Show(yHat));
        forward.AddRow("J = (y − ŷ)²", Show(loss));
        AnsiConsole.Write(forward);

        var backward = new Table().Title("Gradients (autograd)").AddColumns("parameter", "∂J/∂W");
        backward.AddRow("W3", Show(w3.Grad!));
        backward.AddRow("W2", Show(w2.Grad!));
        backward.AddRow("W1", Show(w1.Grad!));
        AnsiConsole.Write(backward);

        using (Autograd.NoGrad())
            foreach (var w in new[] { w1, w2, w3 })
                w.AddInPlace(w.Grad!, -learningRate);
        var update = new Table().Title($"After one SGD step (η = {learningRate.ToString(CultureInfo.InvariantCulture)})").AddColumns("parameter", "value");
        update.AddRow("W3", Show(w3));
        update.AddRow("W2", Show(w2));
        update.AddRow("W1", Show(w1));
        AnsiConsole.Write(update);
        return 0;
    }

    private static string Show(Tensor t) => Markup.Escape(string.Join(", ", t.ToDoubleArray().Select(v => v.ToString("0.####", CultureInfo.InvariantCulture))));
}
