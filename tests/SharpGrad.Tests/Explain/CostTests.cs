using System.Diagnostics;
using System.Numerics;
using System.Text;
using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>Spec E12: path-by-path multiplications against one backward sweep, hand-counted for E1 and E2.</summary>
public class CostTests
{
    [Fact]
    public void E1_HandCounted()
    {
        // Paths (factors): b_6, w_3_6, w_4_6, b_7, w_5_7: one path of 2 → 1 each (5);
        // b_3, w_1_3, b_4, w_1_4, w_2_4, b_5, w_2_5: one path of 3 → 2 each (14);
        // b_1, v_1_1 (via n3 and n4), b_2, v_2_2 (via n4 and n5): two paths of 4 → 6 each (24). Total 43.
        // Sweep edges (not out of E): n1 2, n2 2, n3 3, n4 5, n5 3, n6 5, n7 3 = 23; free: E→n6, E→n7.
        var cost = GradientCost.Create(ExplainFiles.Load("e1.grad"));
        Assert.Equal(new BigInteger(20), cost.PathCount);
        Assert.Equal(new BigInteger(43), cost.PathMultiplications);
        Assert.Equal(new BigInteger(23), cost.SweepMultiplications);
        Assert.Equal(2, cost.FreeEdges);
        var b1 = cost.Parameters.Single(p => p.Name == "b_1");
        Assert.Equal(new BigInteger(2), b1.Paths);
        Assert.Equal(new BigInteger(6), b1.Multiplications);
    }

    [Fact]
    public void E2_HandCounted()
    {
        // b_6, w_3_6, w_4_6, b_8, w_3_8, w_4_8, b_7, w_5_7: 1 each (8); b_3, w_1_3, b_4, w_2_4: two paths of 3 → 4 each (16);
        // b_5, w_1_5: one path of 3 → 2 each (4); b_1, v_1_1: three paths of 4 → 9 each (18);
        // b_2, v_2_2: two paths of 4 → 6 each (12). Total 58 over 28 paths.
        // Sweep: n1 2, n2 2, n3 3, n4 3, n5 3, n6 5, n7 3, n8 5 = 26.
        var cost = GradientCost.Create(ExplainFiles.Load("e2.grad"));
        Assert.Equal(new BigInteger(28), cost.PathCount);
        Assert.Equal(new BigInteger(58), cost.PathMultiplications);
        Assert.Equal(new BigInteger(26), cost.SweepMultiplications);
        Assert.Equal(3, cost.FreeEdges);
        Assert.Contains("Path by path:   58 multiplications (28 paths", cost.Render());
        Assert.Contains("Backward sweep: 26 multiplications", cost.Render());
    }

    /// <summary>A 12-layer, 12-wide fully connected neuron graph with one bias param per neuron.</summary>
    public static string FullyConnected(int layers, int width)
    {
        var sb = new StringBuilder("input x = 0.5\n");
        for (int l = 1; l <= layers; l++)
            for (int j = 1; j <= width; j++)
                sb.Append($"param b_{l}_{j} = 0.1\n");
        for (int j = 1; j <= width; j++) sb.Append($"n_1_{j} = g(b_1_{j} + x)\n");
        for (int l = 2; l <= layers; l++)
            for (int j = 1; j <= width; j++)
                sb.Append($"n_{l}_{j} = g(b_{l}_{j} + ").Append(string.Join(" + ", Enumerable.Range(1, width).Select(k => $"n_{l - 1}_{k}"))).Append(")\n");
        sb.Append("E = ").Append(string.Join(" + ", Enumerable.Range(1, width).Select(k => $"n_{layers}_{k}"))).Append('\n');
        return sb.ToString();
    }

    [Fact]
    public void FullyConnected12x12_PathByPathIsAstronomical_AndFast()
    {
        var program = GradProgram.Parse(FullyConnected(12, 12));
        var watch = Stopwatch.StartNew();
        var cost = GradientCost.Create(program);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        // A bias of layer l has 12^(12−l) paths of (12 − l) + 2 factors.
        BigInteger paths = 0, mults = 0;
        for (int l = 1; l <= 12; l++)
        {
            var p = BigInteger.Pow(12, 12 - l);
            paths += 12 * p;
            mults += 12 * p * (12 - l + 1);
        }
        Assert.Equal(paths, cost.PathCount);
        Assert.Equal(mults, cost.PathMultiplications);
        // Layers 2..12: 12 neurons × (12 inputs + 1 bias); layer 1: the bias only (x is no param).
        Assert.Equal(new BigInteger(11 * 12 * 13 + 12), cost.SweepMultiplications);
        Assert.Equal(12, cost.FreeEdges);
        Assert.True(cost.PathMultiplications > cost.SweepMultiplications * 1_000_000_000);
    }

    [Fact]
    public void NoParams_CountsDeclarations()
    {
        var cost = GradientCost.Create(GradProgram.Parse("input x = 2\ny = x * x\nz = y + x\n"));
        Assert.False(cost.ParametersOnly);
        // x: paths z→x (1 factor) and z→y→x (2 factors): 0 + 1 multiplications; sweep: edge y→x.
        Assert.Equal(new BigInteger(2), cost.PathCount);
        Assert.Equal(BigInteger.One, cost.PathMultiplications);
        Assert.Equal(BigInteger.One, cost.SweepMultiplications);
    }
}
