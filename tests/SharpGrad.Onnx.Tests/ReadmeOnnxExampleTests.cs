using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SharpGrad.IO.Onnx;
using SharpGrad.NN;

namespace SharpGrad.Onnx.Tests;

/// <summary>The README's ONNX round trip, run as written, so the documentation cannot rot.</summary>
public sealed class ReadmeOnnxExampleTests
{
    [Fact]
    public void RoundTrip_AsInTheReadme()
    {
        var model = MnistModels.Cnn(new Generator(1));
        var batch = Tensor.Normal([16, 1, 28, 28], generator: new Generator(2));
        string dir = Directory.CreateTempSubdirectory("sharpgrad-readme-").FullName;
        string path = Path.Combine(dir, "model.onnx");
        try
        {
            OnnxExporter.Export(model.Eval(), [1, 1, 28, 28], path);
            using var session = new InferenceSession(path);
            var pixels = new DenseTensor<float>(batch.ToFloatArray(), [16, 1, 28, 28]);
            using var logits = session.Run([NamedOnnxValue.CreateFromTensor("input", pixels)]);
            var output = logits.Single();
            Assert.Equal("output", output.Name);
            Assert.Equal([16, 10], output.AsTensor<float>().Dimensions.ToArray());
            float[] expected;
            using (Autograd.NoGrad()) expected = model.Forward(batch).ToFloatArray();
            OnnxRuntimeCheck.AssertClose(expected, output.AsTensor<float>().ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
