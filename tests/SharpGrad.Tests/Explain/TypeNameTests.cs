using SharpGrad.Explain;
using SharpGrad.Training;

namespace SharpGrad.Tests.Explain;

/// <summary>
/// The library's public type names must not clash with each other or with the names an app
/// already has: this file imports both namespaces that once each had an <c>Evaluation</c>, so it
/// only compiles while every name used below is unambiguous.
/// </summary>
public class TypeNameTests
{
    [Fact]
    public void ExplainAndTraining_CanBeImportedTogether()
    {
        ProgramEvaluation program = GradProgram.Parse("input x = 3\ny = x * x").Evaluate();
        Evaluation classifier = new(0.25, new long[,] { { 3, 1 }, { 0, 4 } });
        Assert.Equal(9, program.ObjectiveValue);
        Assert.Equal(6, program.Gradient("x").Item());
        Assert.Equal(7.0 / 8, classifier.Accuracy);
    }

    [Fact]
    public void PublicTypeNames_AreUnique_AndNoneIsProgram()
    {
        // An app's entry class is called Program (top-level statements generate it), so a
        // library type of that name is shadowed in every app that imports its namespace.
        var names = typeof(Tensor).Assembly.GetExportedTypes()
            .Where(t => !t.IsNested)
            .GroupBy(t => t.Name)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key + ": " + string.Join(", ", g.Select(t => t.FullName)))
            .ToList();
        Assert.Empty(names);
        Assert.DoesNotContain(typeof(Tensor).Assembly.GetExportedTypes(), t => t.Name == "Program");
    }
}
