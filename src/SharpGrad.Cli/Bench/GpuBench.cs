using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Cli.Bench;

/// <summary>
/// The rows of <c>sharpgrad bench --device cuda</c>: SGEMM in FP32 and TF32, a wide MLP training step, the CNN training
/// step at a GPU-sized batch and one epoch of the default <c>train</c> model, each timed on the device with every timed
/// call ending in a synchronisation, and PyTorch CUDA running the same rows in bench/torch_reference.py --device. On
/// gpu-sim the same code runs on the CPU at the <c>--quick</c> sizes: a check that the GPU path works, not a timing.
/// </summary>
internal static class GpuBench
{
    /// <summary>The GPU rows; <paramref name="small"/> gives the sizes of bench/torch_reference.py --quick.</summary>
    public static IReadOnlyList<BenchRow> Rows(bool small)
    {
        var rows = new List<BenchRow>();
        foreach (int n in small ? [256, 512] : new[] { 1024, 4096, 8192 })
            foreach (var mode in new[] { "fp32", "tf32" })
                rows.Add(new($"gpu_sgemm_{n}_{mode}", Workload.Sgemm, "GFLOP/s", true, ReferenceEngine.PyTorch, Size: n, Model: mode));
        // The MLP's width travels in the model name: 4096, or 512 at the small sizes (as torch_reference.py --quick).
        rows.Add(new("gpu_mlp4096_train_step_b1024", Workload.TrainStep, "us", false, ReferenceEngine.PyTorch, Size: small ? 64 : 1024, Model: small ? "mlp:512" : "mlp:4096"));
        rows.Add(new("gpu_cnn_train_step_b256", Workload.TrainStep, "us", false, ReferenceEngine.PyTorch, Size: small ? 16 : 256, Model: "cnn"));
        rows.Add(new("gpu_cnn_epoch_b32", Workload.TrainStep, "s", false, ReferenceEngine.PyTorch, Size: small ? 512 : 8000, Model: "cnn-epoch"));
        return rows;
    }

    /// <summary>Times every row on <paramref name="device"/>, then PyTorch on its CUDA device (never on gpu-sim).</summary>
    public static IReadOnlyList<BenchResult> Run(Device device, IReadOnlyList<BenchRow> rows, bool quick, string python, BenchNotes notes, Action<string> progress)
    {
        notes.Add($"SharpGrad on {device}: {CudaInfo.Describe(device)}");
        int threads = Environment.ProcessorCount;
        var results = new List<BenchResult>();
        foreach (var row in rows)
        {
            progress($"{row.Name} on {device}");
            results.Add(new BenchResult(row, threads, Measure(device, row, quick), null));
        }
        if (device.Type != DeviceType.Cuda)
        {
            notes.Add("gpu-sim runs the GPU kernels on the CPU: its figures check the GPU path, they are not GPU speeds, and PyTorch is not run");
            return results;
        }
        progress("PyTorch CUDA reference");
        var torch = TorchReference.Run(python, threads, quick, rows, notes, device.ToString());
        return [.. results.Select(r => torch.TryGetValue(r.Row.Name, out var value) ? r with { Reference = value } : r)];
    }

    private static double Measure(Device device, BenchRow row, bool quick)
    {
        var budget = TimingBudget.For(quick);
        switch (row.Model)
        {
            case "fp32" or "tf32":
            {
                int n = row.Size;
                using var tf32 = CudaInfo.AllowTf32(row.Model == "tf32");
                var a = Tensor.FromArray(Workloads.RandomFloats(n * n, 1), n, n).To(device);
                var b = Tensor.FromArray(Workloads.RandomFloats(n * n, 2), n, n).To(device);
                double seconds = Timing.MedianSeconds(() =>
                {
                    using (Autograd.NoGrad())
                    using (MemoryScope.Begin())
                        a.MatMul(b);
                    device.Synchronize();
                }, budget);
                return 2.0 * n * n * n / seconds / 1e9;
            }
            case "cnn" or ['m', 'l', 'p', ':', ..]:
            {
                int width = row.Model == "cnn" ? 0 : int.Parse(row.Model[4..], System.Globalization.CultureInfo.InvariantCulture);
                Module model = row.Model == "cnn"
                    ? Workloads.Model("cnn")
                    : new Sequential(new Flatten(), new Linear(784, width, generator: new Generator(1)), new ReLU(),
                        new Linear(width, width, generator: new Generator(2)), new ReLU(), new Linear(width, 10, generator: new Generator(3)));
                model.To(device).Train();
                var optimizer = new Sgd(model.Parameters(), Workloads.LearningRate);
                var images = Workloads.Images(count: row.Size).To(device);
                var labels = Workloads.Labels(count: row.Size);
                return Timing.MedianSeconds(() => Step(model, optimizer, images, labels), budget) * 1e6;
            }
            default:
            {
                int count = row.Size;
                var model = Workloads.Model("cnn");
                model.To(device).Train();
                var optimizer = new Adam(model.Parameters(), learningRate: 0.002);
                var images = Workloads.Images(count: count).To(device);
                var labels = Workloads.Labels(count: count);
                return Timing.MedianSeconds(() =>
                {
                    for (int first = 0; first + 32 <= count; first += 32)
                        Step(model, optimizer, images.Narrow(0, first, 32), labels.Narrow(0, first, 32));
                }, TimingBudget.Once);
            }
        }
    }

    private static void Step(Module model, Optimizer optimizer, Tensor images, Tensor labels)
    {
        using (MemoryScope.Begin())
        {
            var loss = Functional.CrossEntropy(model.Call(images), labels);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
        images.Device.Synchronize();
    }
}
