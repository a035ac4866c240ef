using System.CommandLine;
using System.Globalization;
using SharpGrad.IO;
using SharpGrad.IO.Onnx;
using SharpGrad.NN;

namespace SharpGrad.Cli.Commands;

/// <summary><c>sharpgrad export</c>: writes weights trained by <c>sharpgrad train</c> as an ONNX model for ONNX Runtime and other consumers.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var weights = new Argument<string>("model") { Description = "A model.safetensors written by sharpgrad train." };
        var model = new Option<string?>("--model") { Description = "cnn or mlp; read from the file's metadata when omitted." }.OneOf([.. MnistModels.Names]);
        var onnx = new Option<string>("--onnx") { Description = "The .onnx file to write.", Required = true };
        var command = new Command("export", "Export trained weights to ONNX (opset 17, input [batch, 1, 28, 28] normalised pixels, output [batch, 10] logits).") { weights, model, onnx };
        command.SetAction(parse => Run(parse.GetValue(weights)!, parse.GetValue(model), parse.GetValue(onnx)!));
        return command;
    }

    private static int Run(string weightsPath, string? modelName, string onnxPath)
    {
        CliPaths.CheckFile("the model file", weightsPath);
        CliPaths.CheckNewFile("--onnx", onnxPath);
        CliPaths.NotAnInput("--onnx", onnxPath, weightsPath, "the model file; the export would overwrite the weights");
        if (!File.Exists(weightsPath))
            throw new FileNotFoundException($"No model file at {weightsPath}; train one with `sharpgrad train`.");
        var (name, network) = ModelFiles.Load(weightsPath, modelName);
        // The trace batch is 1; the exported batch dimension is symbolic, so this does not limit the model.
        try
        {
            OnnxExporter.Export(network, [1, 1, 28, 28], onnxPath);
        }
        catch (IOException e) when (AtomicFile.IsDiskFull(e))
        {
            throw new IOException($"--onnx: cannot write '{onnxPath}': the disk is full (no space left on the device).", e);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Exported {name} ({network.ParameterCount:N0} parameters) to {onnxPath}: ONNX opset {OnnxExporter.Opset}, input 'input' [batch, 1, 28, 28] (pixels normalised with mean 0.1307, std 0.3081), output 'output' [batch, 10] logits."));
        return 0;
    }
}
