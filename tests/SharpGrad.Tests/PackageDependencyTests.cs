using System.Reflection;
using System.Xml.Linq;
using SharpGrad.Tests.IO;

namespace SharpGrad.Tests;

/// <summary>
/// The core package's dependencies: what the SharpGrad assembly references beyond the shared
/// framework is what a NuGet user of the core package gets, and it must be System.Numerics.Tensors
/// alone (ONNX export and its Google.Protobuf dependency live in the SharpGrad.Onnx package). Also
/// the settings every package shares: one version, and a README in each library package.
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

    [Fact]
    public void EveryPackage_TakesTheOneVersionOfDirectoryBuildProps()
    {
        var versions = XDocument.Load(Path.Combine(Repository.Root, "Directory.Build.props")).Descendants("Version").ToArray();
        var version = Assert.Single(versions).Value;
        foreach (var project in Directory.GetFiles(Path.Combine(Repository.Root, "src"), "*.csproj", SearchOption.AllDirectories))
            Assert.DoesNotContain(XDocument.Load(project).Descendants(), e => e.Name.LocalName is "Version" or "PackageVersion" or "VersionPrefix");
        var informational = Core.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(version, informational.Split('+')[0]);
    }

    [Theory]
    [InlineData("SharpGrad")]
    [InlineData("SharpGrad.Onnx")]
    [InlineData("SharpGrad.Cli")]
    public void Package_HasAReadmeThatIsPacked(string project)
    {
        string dir = Path.Combine(Repository.Root, "src", project);
        var xml = XDocument.Load(Path.Combine(dir, project + ".csproj"));
        string readme = Assert.Single(xml.Descendants("PackageReadmeFile")).Value;
        Assert.True(File.Exists(Path.Combine(dir, readme)), $"{project}: {readme} is missing");
        Assert.Contains(xml.Descendants("None"), e => (string?)e.Attribute("Include") == readme && (string?)e.Attribute("Pack") == "true");
    }
}
