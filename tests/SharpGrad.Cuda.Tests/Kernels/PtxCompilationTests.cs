using System.Reflection;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using SharpGrad.Cuda.Kernels;

namespace SharpGrad.Cuda.Tests.Kernels;

/// <summary>
/// gpu-sim runs the kernels as ordinary .NET code, which accepts constructs the PTX compiler rejects (managed
/// calls, unsupported intrinsics). These tests compile every kernel instantiation to PTX for sm_90 (H100/H200),
/// which ILGPU does without a GPU or driver, so such a kernel fails here rather than on the GPU machine.
/// </summary>
public class PtxCompilationTests
{
    private static readonly Lazy<(Context Context, PTXBackend Backend)> Ptx = new(() =>
    {
        var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        return (context, new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!));
    });

    private static readonly Type F = typeof(float), D = typeof(double), I = typeof(int);

    private static readonly (Type T, Type Math)[] AllTypes = [(F, typeof(Float32Math)), (D, typeof(Float64Math)), (I, typeof(Int32Math))];
    private static readonly (Type T, Type Math)[] FloatTypes = [(F, typeof(Float32Math)), (D, typeof(Float64Math))];

    public static TheoryData<string, string, bool, Type[]> Kernels()
    {
        var data = new TheoryData<string, string, bool, Type[]>();
        foreach (var (t, m) in AllTypes)
        {
            data.Add(nameof(Elementwise), nameof(Elementwise.Copy), false, [t]);
            data.Add(nameof(Elementwise), nameof(Elementwise.Fill), false, [t]);
            data.Add(nameof(Elementwise), nameof(Elementwise.Binary), false, [t, m]);
            data.Add(nameof(Elementwise), nameof(Elementwise.Where), false, [t, F, m]);
            data.Add(nameof(Reductions), nameof(Reductions.ArgThreads), false, [t, m]);
            data.Add(nameof(Reductions), nameof(Reductions.ArgGroups), true, [t, m]);
            foreach (var (u, um) in AllTypes)
                if (u != t) data.Add(nameof(Elementwise), nameof(Elementwise.Convert), false, [t, u, m, um]);
        }
        foreach (var (t, m) in FloatTypes)
        {
            data.Add(nameof(Elementwise), nameof(Elementwise.Unary), false, [t, m]);
            data.Add(nameof(Reductions), nameof(Reductions.LogSoftmaxRows), true, [t, m]);
            data.Add(nameof(Losses), nameof(Losses.CrossEntropy), true, [t, m]);
            data.Add(nameof(OptimizerUpdates), nameof(OptimizerUpdates.Adam), false, [t, m]);
            data.Add(nameof(OptimizerUpdates), nameof(OptimizerUpdates.Sgd), false, [t, m]);
        }
        foreach (var (t, m) in FloatTypes)
        {
            data.Add(nameof(Gemm), nameof(Gemm.Tiled), true, [t, m]);
            data.Add(nameof(Gemm), nameof(Gemm.PerElement), false, [t, m]);
            data.Add(nameof(Convolution), nameof(Convolution.Im2Col), false, [t]);
            data.Add(nameof(Convolution), nameof(Convolution.Col2Im), false, [t, m]);
            data.Add(nameof(Pooling), nameof(Pooling.MaxPool2d), false, [t, m]);
            data.Add(nameof(Pooling), nameof(Pooling.ScatterArgmax), false, [t, m]);
        }
        foreach (var (t, acc, a) in new[] { (F, D, typeof(Float32Accumulator)), (D, D, typeof(Float64Accumulator)), (I, I, typeof(Int32Accumulator)) })
        {
            data.Add(nameof(Reductions), nameof(Reductions.ReduceThreads), false, [t, acc, a]);
            data.Add(nameof(Reductions), nameof(Reductions.ReduceGroups), true, [t, acc, a]);
            data.Add(nameof(Reductions), nameof(Reductions.ReduceChunks), true, [t, acc, a]);
            data.Add(nameof(Reductions), nameof(Reductions.ReducePartials), true, [t, acc, a]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_CompilesToPtx(string type, string method, bool explicitlyGrouped, Type[] typeArguments)
    {
        var kernel = typeof(Elementwise).Assembly.GetType($"{typeof(Elementwise).Namespace}.{type}", throwOnError: true)!
            .GetMethod(method, BindingFlags.Public | BindingFlags.Static)!
            .MakeGenericMethod(typeArguments);
        var entry = explicitlyGrouped ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel) : EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
        CompiledKernel compiled;
        lock (Ptx) compiled = Ptx.Value.Backend.Compile(entry, default(KernelSpecialization));
        Assert.Contains(".entry", ((PTXCompiledKernel)compiled).PTXAssembly);
    }
}
