using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SharpGrad.IO;
using SharpGrad.NN;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// <c>sharpgrad export</c> end to end: a saved model (written directly with SafeTensors.Save, as
/// train would, because training is slow) becomes an ONNX file that ONNX Runtime runs with the
/// same results as SharpGrad; mistakes exit 2 with one line.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ExportCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-export-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string SaveMlp(Sequential model, string? metadataModel = "mlp")
    {
        string path = Path.Combine(dir, "model.safetensors");
        SafeTensors.Save(path, model.StateDict(), metadataModel is null ? null : new Dictionary<string, string> { ["model"] = metadataModel });
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Export_Mlp_RunsInOnnxRuntimeWithSharpGradsOutputs(bool passModel)
    {
        var model = MnistModels.Mlp(new Generator(5));
        string weights = SaveMlp(model, passModel ? null : "mlp");
        string onnx = Path.Combine(dir, "mlp.onnx");
        string[] args = passModel ? ["export", weights, "--model", "mlp", "--onnx", onnx] : ["export", weights, "--onnx", onnx];

        var (code, stdout, stderr) = CliRunner.Run(args);

        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        Assert.StartsWith($"Exported mlp (203,530 parameters) to {onnx}: ONNX opset 17", stdout);
        Assert.Single(stdout.TrimEnd('\n').Split('\n'));

        var input = Tensor.Normal([6, 1, 28, 28], 0, 1, new Generator(6));
        model.Eval();
        float[] expected;
        using (Autograd.NoGrad()) expected = model.Forward(input).ToFloatArray();
        using var session = new InferenceSession(onnx);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input.ToFloatArray(), [6, 1, 28, 28]))]);
        var output = results.Single().AsTensor<float>();
        Assert.Equal([6, 10], output.Dimensions.ToArray());
        var actual = output.ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])) + 1e-6, $"logit {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void WeightsThatAreNotFiniteNumbers_AreRefused()
    {
        var state = MnistModels.Mlp(new Generator(5)).StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var first = state.Keys.First();
        state[first] = Tensor.FullLike(state[first], double.NaN);
        string weights = Path.Combine(dir, "nan.safetensors");
        SafeTensors.Save(weights, state, new Dictionary<string, string> { ["model"] = "mlp" });
        var (code, stdout, stderr) = CliRunner.Run("export", weights, "--onnx", Path.Combine(dir, "nan.onnx"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains($"tensor '{first}' holds {state[first].Count} of {state[first].Count} values that are not finite numbers (NaN or ∞)", stderr);
        Assert.False(File.Exists(Path.Combine(dir, "nan.onnx")));
    }

    [Fact]
    public void OnnxOverTheWeights_IsRefused_AndTheWeightsStay()
    {
        string weights = SaveMlp(MnistModels.Mlp(new Generator(5)));
        var before = File.ReadAllBytes(weights);
        var (code, stdout, stderr) = CliRunner.Run("export", weights, "--onnx", weights);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"error: --onnx: '{weights}' is the model file; the export would overwrite the weights. Give another name.\n", stderr);
        Assert.Equal(before, File.ReadAllBytes(weights));
    }

    [Fact]
    public void MissingFile_Exits2()
    {
        var (code, stdout, stderr) = CliRunner.Run("export", Path.Combine(dir, "none.safetensors"), "--onnx", Path.Combine(dir, "x.onnx"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: No model file at", stderr);
        Assert.False(File.Exists(Path.Combine(dir, "x.onnx")));
    }

    [Fact]
    public void WrongModel_Exits2()
    {
        string weights = SaveMlp(MnistModels.Mlp(new Generator(7)));
        var (code, _, stderr) = CliRunner.Run("export", weights, "--model", "cnn", "--onnx", Path.Combine(dir, "x.onnx"));
        Assert.Equal(2, code);
        Assert.Contains("does not hold cnn weights", stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void UnwritablePath_Exits2()
    {
        string weights = SaveMlp(MnistModels.Mlp(new Generator(8)));
        var onnx = Path.Combine(dir, "no-such-folder", "x.onnx");
        var (code, _, stderr) = CliRunner.Run("export", weights, "--onnx", onnx);
        Assert.Equal(2, code);
        Assert.Equal($"error: --onnx: cannot write '{onnx}' because the folder '{Path.Combine(dir, "no-such-folder")}' does not exist.\n", stderr);
        // A file where the folder should be is said as such.
        var file = Path.Combine(dir, "a-file");
        File.WriteAllText(file, "");
        (code, _, stderr) = CliRunner.Run("export", weights, "--onnx", Path.Combine(file, "m.onnx"));
        Assert.Equal($"error: --onnx: cannot write '{Path.Combine(file, "m.onnx")}' because '{file}' is a file, not a folder.\n", stderr);
    }

    [Fact]
    public void MissingOnnxOption_Exits2()
    {
        string weights = SaveMlp(MnistModels.Mlp(new Generator(9)));
        var (code, _, stderr) = CliRunner.Run("export", weights);
        Assert.Equal(2, code);
        Assert.Contains("--onnx", stderr);
    }
}
