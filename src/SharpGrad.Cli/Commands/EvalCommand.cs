using System.CommandLine;
using System.Globalization;
using SharpGrad.Data;
using SharpGrad.IO;
using SharpGrad.NN;
using SharpGrad.Training;
using Spectre.Console;

namespace SharpGrad.Cli.Commands;

/// <summary><c>sharpgrad eval</c>: test accuracy and confusion matrix of saved weights.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var weights = new Option<string>("--weights") { Description = "A model.safetensors written by sharpgrad train.", DefaultValueFactory = _ => Path.Combine("out", "model.safetensors") };
        var model = new Option<string?>("--model") { Description = "cnn or mlp; read from the file's metadata when omitted." }.OneOf([.. MnistModels.Names]);
        var data = CliPaths.DataOption();
        var device = CliOptions.Device("Where to run the model: cpu, cuda, cuda:N (an NVIDIA GPU) or gpu-sim (the GPU kernels on the CPU).");
        var command = new Command("eval", "Evaluate saved weights on the test digits: accuracy and confusion matrix.") { weights, model, data, device };
        command.SetAction(parse => Run(parse.GetValue(weights)!, parse.GetValue(model), CliPaths.DataFolder(parse.GetValue(data)), parse.GetValue(device)));
        return command;
    }

    private static int Run(string weightsPath, string? modelName, string dataFolder, Device device)
    {
        var network = ModelFiles.Load(CliPaths.CheckFile("--weights", weightsPath), modelName);
        network.Model.To(device);
        var (_, test) = ModelFiles.LoadDigits(dataFolder);
        var evaluation = Trainer.Evaluate(network.Model, new DataLoader(test, 500), classes: 10);

        var table = new Table().Title($"Confusion matrix ({network.Name}, {evaluation.Count:N0} test digits): rows actual, columns predicted");
        table.AddColumn("");
        for (int c = 0; c < 10; c++) table.AddColumn(c.ToString(CultureInfo.InvariantCulture));
        for (int a = 0; a < 10; a++)
        {
            var cells = new List<string> { $"[bold]{a}[/]" };
            for (int p = 0; p < 10; p++)
            {
                long n = evaluation[a, p];
                cells.Add(a == p ? $"[green]{n}[/]" : n == 0 ? "[grey]0[/]" : $"[red]{n}[/]");
            }
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "Test accuracy [bold]{0:P2}[/], mean loss {1:F4}.", evaluation.Accuracy, evaluation.Loss);
        return 0;
    }
}
