using SharpGrad.NN;

namespace SharpGrad.Onnx.Tests;

/// <summary>The two models <c>sharpgrad train</c> trains, exported and run in ONNX Runtime.</summary>
public sealed class ModelExportTests
{
    [Fact]
    public void Mlp_TracedWithBatch1_MatchesOnABatchOf7()
    {
        var model = MnistModels.Mlp(new Generator(11));
        OnnxRuntimeCheck.AssertMatches(model, [1, 1, 28, 28], batch: 7);
    }

    [Fact]
    public void Cnn_TracedWithBatch2_MatchesOnABatchOf5()
    {
        var model = MnistModels.Cnn(new Generator(12));
        OnnxRuntimeCheck.AssertMatches(model, [2, 1, 28, 28], batch: 5);
    }

    [Fact]
    public void Export_LeavesTheModelInItsTrainingMode()
    {
        var model = MnistModels.Mlp(new Generator(13));
        model.Train();
        IO.Onnx.OnnxExporter.ToBytes(model, [1, 1, 28, 28]);
        Assert.True(model.Training);
        Assert.All(model.NamedModules(), m => Assert.True(m.Value.Training));
    }

    [Fact]
    public void Export_WritesTheFileThatToBytesReturns()
    {
        var model = MnistModels.Cnn(new Generator(14));
        string dir = Directory.CreateTempSubdirectory("sharpgrad-onnx-").FullName;
        try
        {
            string path = Path.Combine(dir, "cnn.onnx");
            IO.Onnx.OnnxExporter.Export(model, [1, 1, 28, 28], path);
            Assert.Equal(IO.Onnx.OnnxExporter.ToBytes(model, [1, 1, 28, 28]), File.ReadAllBytes(path));
            Assert.Equal(["cnn.onnx"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
