using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using SharpGrad.IO.Onnx;
using SharpGrad.NN;

namespace SharpGrad.Cli.Bench;

/// <summary>
/// The ONNX Runtime reference for MLP inference: the same model, weights included, exported with
/// <see cref="OnnxExporter.ToBytes"/> and run by an <see cref="InferenceSession"/> held to the benchmark's thread
/// count. It gets ONNX Runtime's fastest managed path (all graph optimisations, sequential execution, input and
/// output OrtValues created once over pinned arrays, <c>Run</c> with preallocated outputs), so that SharpGrad is
/// not compared with a handicapped reference.
/// </summary>
internal static class OnnxRuntimeReference
{
    public const string NotAvailable = "ONNX Runtime not available: it comes with the Microsoft.ML.OnnxRuntime NuGet package (dotnet restore)";

    /// <summary>
    /// The median microseconds of one inference of <paramref name="images"/> through <paramref name="model"/> (in eval
    /// mode) at <paramref name="threads"/> intra-op threads, or null, with a note, when the native runtime cannot be
    /// loaded. <paramref name="expected"/> are SharpGrad's logits: a reference that computes something else is noted.
    /// </summary>
    public static double? InferenceMicroseconds(Module model, Tensor images, float[] expected, int threads, TimingBudget budget, BenchNotes notes)
    {
        int[] shape = images.Shape.ToArray();
        byte[] onnx = OnnxExporter.ToBytes(model, shape);
        try
        {
            var (seconds, version, maxDifference) = Measure(onnx, images.ToFloatArray(), Array.ConvertAll(shape, d => (long)d), expected, threads, budget);
            notes.Add($"ONNX Runtime {version} from {BenchNotes.LoadedFrom("libonnxruntime") ?? "its NuGet package"}");
            if (maxDifference > 1e-3)
                notes.Add($"ONNX Runtime's logits differ from SharpGrad's by up to {maxDifference:G3}; the inference rows may not compare the same model");
            return seconds * 1e6;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException
            or BadImageFormatException or FileNotFoundException)
        {
            notes.Add(NotAvailable);
            return null;
        }
    }

    // Not inlined, so that a missing ONNX Runtime (managed or native) fails inside the caller's try rather than
    // when the caller itself is compiled.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (double Seconds, string Version, double MaxDifference) Measure(byte[] onnx, float[] input, long[] inputShape, float[] expected,
        int threads, TimingBudget budget)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(onnx, options);
        using var runOptions = new RunOptions();
        var output = new float[expected.Length];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(output, [inputShape[0], expected.Length / inputShape[0]]);
        string[] inputNames = [session.InputNames[0]], outputNames = [session.OutputNames[0]];
        OrtValue[] inputs = [inputValue], outputs = [outputValue];

        double seconds = Timing.MedianSeconds(() => session.Run(runOptions, inputNames, inputs, outputNames, outputs), budget);
        double maxDifference = 0;
        for (int i = 0; i < output.Length; i++)
            maxDifference = Math.Max(maxDifference, Math.Abs(output[i] - expected[i]));
        return (seconds, OrtEnv.Instance().GetVersionString(), maxDifference);
    }
}
