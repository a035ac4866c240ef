using System.Reflection;

namespace SharpGrad.Tests;

/// <summary>
/// The core package's dependencies: what the SharpGrad assembly references beyond the shared
/// framework is what a NuGet user of the core package gets, and it must be System.Numerics.Tensors
/// alone (ONNX export and its Google.Protobuf dependency live in the SharpGrad.Onnx package).
/// </summary>
public class PackageDependencyTests
{
    private static readonly Assembly Core = typeof(Tensor).Assembly;

    [Fact]
    public void CoreAssembly_ReferencesOnlyTheFrameworkAndSystemNumericsTensors()
    {
        string frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var outsideFramework = Core.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(name => name == "System.Numerics.Tensors" || !File.Exists(Path.Combine(frameworkDir, name + ".dll")))
            .ToArray();
        Assert.Equal(["System.Numerics.Tensors"], outsideFramework);
    }

    [Fact]
    public void CoreAssembly_HasNoOnnxExporter()
    {
        Assert.DoesNotContain(Core.GetReferencedAssemblies(), a => a.Name == "Google.Protobuf");
        Assert.Null(Core.GetType("SharpGrad.IO.Onnx.OnnxExporter"));
    }
}
