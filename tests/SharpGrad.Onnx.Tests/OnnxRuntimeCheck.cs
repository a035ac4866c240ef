using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SharpGrad.IO.Onnx;
using SharpGrad.NN;

namespace SharpGrad.Onnx.Tests;

/// <summary>
/// The oracle for every export test: ONNX Runtime loads the exported bytes (which also validates
/// the graph against the ONNX checker's rules for opset 17) and runs them on a random batch whose
/// size differs from the trace batch, and its output must match SharpGrad's eval-mode forward pass.
/// </summary>
internal static class OnnxRuntimeCheck
{
    /// <summary>Relative tolerance for float32: |a − b| ≤ Rel·max(1, |b|).</summary>
    public const double Rel = 1e-5;

    /// <summary>Runs <paramref name="bytes"/> in ONNX Runtime on <paramref name="input"/> and returns its output and shape.</summary>
    public static (float[] Values, int[] Shape) Run(byte[] bytes, Tensor input, string inputName = "input")
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(bytes, options);
        var data = input.ToFloatArray();
        var tensor = new DenseTensor<float>(data, input.Shape.ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)]);
        var output = results.First().AsTensor<float>();
        return (output.ToArray(), output.Dimensions.ToArray());
    }

    /// <summary>
    /// Exports <paramref name="model"/> traced with <paramref name="traceShape"/>, runs it on a seeded
    /// random batch of <paramref name="batch"/> (≠ the trace batch) in ONNX Runtime and SharpGrad, and
    /// asserts equal shapes and values. Returns the largest relative error.
    /// </summary>
    public static double AssertMatches(Module model, int[] traceShape, int batch, ulong seed = 1, double scale = 1)
    {
        Assert.NotEqual(traceShape[0], batch);
        var bytes = OnnxExporter.ToBytes(model, traceShape);
        int[] runShape = [batch, .. traceShape[1..]];
        var input = Tensor.Normal(runShape, 0, scale, new Generator(seed));
        model.Eval();
        Tensor expected;
        using (Autograd.NoGrad()) expected = model.Forward(input);
        var (actual, shape) = Run(bytes, input);
        Assert.Equal(expected.Shape.ToArray(), shape);
        return AssertClose(expected.ToFloatArray(), actual);
    }

    /// <summary>Asserts |a − b| ≤ 1e-5·max(1, |b|) + 1e-6 elementwise (the small absolute part absorbs float32 rounding near zero) and returns the largest relative error.</summary>
    public static double AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double b = expected[i], a = actual[i];
            double error = Math.Abs(a - b) / Math.Max(1, Math.Abs(b));
            worst = Math.Max(worst, error);
            Assert.True(Math.Abs(a - b) <= Rel * Math.Max(1, Math.Abs(b)) + 1e-6,
                $"Element {i}: ONNX Runtime gave {a}, SharpGrad {b} (relative error {error:E2}).");
        }
        return worst;
    }
}
