using System.Text.Json;
using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>
/// The 21 teacher exercises (Exercises/teacher-*.grad) evaluate to PyTorch's numbers: every value and
/// every gradient of every declaration and named intermediate is compared with teacher-torch.json,
/// written by bench/grading/reference.py, which runs the same exercises transcribed into PyTorch 1.13
/// in float64 (only the declared values are read from the programs).
/// </summary>
public class TeacherExerciseTests
{
    private static readonly string Folder = Path.Combine(ExplainFiles.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises");

    private static readonly Lazy<JsonDocument> Reference = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "teacher-torch.json"))));

    private static string[] Names() =>
        Directory.GetFiles(Folder, "teacher-*.grad").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray()!;

    public static TheoryData<string> Exercises() => new(Names());

    [Fact]
    public void EveryExerciseHasAReference()
    {
        Assert.Equal(21, Names().Length);
        Assert.Equal(Names(), Reference.Value.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [MemberData(nameof(Exercises))]
    public void ValuesAndGradients_MatchPyTorch(string exercise)
    {
        var reference = Reference.Value.RootElement.GetProperty(exercise);
        var result = GradProgram.Load(Path.Combine(Folder, exercise + ".grad")).Evaluate();
        Assert.Equal(reference.GetProperty("objective").GetString(), result.ObjectiveName);
        foreach (var (kind, read) in new (string, Func<string, Tensor>)[] { ("values", result.Value), ("gradients", result.Gradient) })
            foreach (var node in reference.GetProperty(kind).EnumerateObject())
            {
                var expected = Flatten(node.Value).ToArray();
                var actual = read(node.Name).ToDoubleArray();
                Assert.True(expected.Length == actual.Length, $"{exercise}: {kind} of {node.Name} has {actual.Length} elements, PyTorch {expected.Length}");
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-12 + 1e-9 * Math.Abs(expected[i]),
                        $"{exercise}: {kind} of {node.Name}[{i}] is {actual[i]}, PyTorch {expected[i]}");
            }
    }

    private static IEnumerable<double> Flatten(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flatten) : [e.GetDouble()];
}
