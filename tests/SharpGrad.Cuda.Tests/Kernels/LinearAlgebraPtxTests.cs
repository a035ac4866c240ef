using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using SharpGrad.Cuda.Kernels;

namespace SharpGrad.Cuda.Tests.Kernels;

/// <summary>
/// gpu-sim runs kernels as .NET code, so it cannot tell whether ILGPU's CUDA backend accepts them; these tests
/// compile each kernel to PTX for a recent GPU, which needs no GPU or driver, and catch constructs the device
/// compiler rejects.
/// </summary>
public class LinearAlgebraPtxTests
{
    private static readonly Lazy<(Context Context, PTXBackend Backend)> Compiler = new(() =>
    {
        var context = Context.Create(builder => builder.EnableAlgorithms());
        var architecture = CudaArchitecture.SM_90;
        return (context, new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, CudaInstructionSet.ISA_80, null));
    });

    public static TheoryData<string> Kernels => new()
    {
        "Gemm.Tiled<float>", "Gemm.Tiled<double>", "Gemm.PerElement<float>",
        "Convolution.Im2Col<float>", "Convolution.Col2Im<double>",
        "Pooling.MaxPool2d<float>", "Pooling.MaxPool2d<double>", "Pooling.ScatterArgmax<float>",
    };

    private static (MethodInfo Method, bool Grouped) Find(string name)
    {
        var (typeName, rest) = (name[..name.IndexOf('.')], name[(name.IndexOf('.') + 1)..]);
        var methodName = rest[..rest.IndexOf('<')];
        bool float64 = rest.Contains("double");
        var type = typeName switch
        {
            "Gemm" => typeof(Gemm),
            "Convolution" => typeof(SharpGrad.Cuda.Kernels.Convolution),
            _ => typeof(SharpGrad.Cuda.Kernels.Pooling),
        };
        var method = type.GetMethod(methodName, BindingFlags.Public | BindingFlags.Static)!;
        var arguments = method.GetGenericArguments().Length == 1
            ? new[] { float64 ? typeof(double) : typeof(float) }
            : new[] { float64 ? typeof(double) : typeof(float), float64 ? typeof(Float64Math) : typeof(Float32Math) };
        return (method.MakeGenericMethod(arguments), methodName == "Tiled");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesToPtx(string kernel)
    {
        var (method, grouped) = Find(kernel);
        var entry = grouped ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)Compiler.Value.Backend.Compile(entry, default);
        Assert.Contains(".entry", compiled.PTXAssembly);
        if (grouped)
            Assert.Contains(".shared", compiled.PTXAssembly);
    }
}
