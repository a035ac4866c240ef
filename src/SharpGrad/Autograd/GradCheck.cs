using System.Globalization;

namespace SharpGrad;

/// <summary>
/// The outcome of a gradient check: whether every entry of the analytic Jacobian agreed with
/// its central-difference estimate, the largest absolute and relative errors, and where the
/// worst disagreement was (input, element index within it, output element), with both values.
/// </summary>
public sealed record GradCheckResult(
    bool Passed,
    double MaxAbsoluteError,
    double MaxRelativeError,
    int InputIndex,
    int[] ElementIndex,
    int OutputElement,
    double Analytic,
    double Numeric,
    int EntriesCompared)
{
    /// <summary>A one-line report.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(Passed ? "passed" : "FAILED")}: {EntriesCompared} Jacobian entries, max |error| {MaxAbsoluteError:G3}, max relative error {MaxRelativeError:G3}; " +
        $"worst at input {InputIndex} element {ShapeMath.Format(ElementIndex)}, output element {OutputElement}: analytic {Analytic:G10}, numeric {Numeric:G10}");
}

/// <summary>
/// Checks backward rules against finite differences, as PyTorch's gradcheck does: for every
/// element of every input that requires gradients, the function is evaluated at x ± ε and the
/// central difference (f(x+ε) − f(x−ε))/2ε is compared with the analytic Jacobian obtained by
/// one backward pass per output element. Inputs must be float64 (in float32 the difference
/// quotient has too few correct digits to judge anything) and must not overlap in memory.
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Compares the analytic and numeric Jacobians of <paramref name="function"/> at
    /// <paramref name="inputs"/>. An entry passes when |analytic − numeric| ≤ absTolerance +
    /// relTolerance·|numeric|.
    /// </summary>
    public static GradCheckResult Check(Func<Tensor[], Tensor> function, Tensor[] inputs,
        double epsilon = 1e-6, double absTolerance = 1e-5, double relTolerance = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        var checkedInputs = new List<int>();
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            if (!x.RequiresGrad) continue;
            if (x.DType != DType.Float64)
                throw new ArgumentException($"GradCheck: input {i} is {x.DType.Name()}; finite differences need float64 inputs.");
            for (int d = 0; d < x.Rank; d++)
                if (x.StrideArray[d] == 0 && x.ShapeArray[d] > 1)
                    throw new ArgumentException($"GradCheck: input {i} is an expanded view (stride 0 in dimension {d}); its elements overlap in memory, so they cannot be perturbed one at a time. Pass a Clone().");
            checkedInputs.Add(i);
        }
        if (checkedInputs.Count == 0)
            throw new ArgumentException("GradCheck: no input has RequiresGrad = true, so there is nothing to check.");

        var output = function(inputs);
        if (output.DType != DType.Float64)
            throw new ArgumentException($"GradCheck: the function returned {output.DType.Name()}; it must compute in float64.");
        int m = output.Count;
        var analytic = AnalyticJacobian(output, inputs, checkedInputs);

        double maxAbs = 0, maxRel = 0, worstMargin = double.NegativeInfinity;
        int worstInput = -1, worstOutput = -1, worstElement = 0, compared = 0;
        double worstA = 0, worstN = 0;
        bool passed = true;
        for (int c = 0; c < checkedInputs.Count; c++)
        {
            var x = inputs[checkedInputs[c]];
            var storage = x.Data<double>();
            for (int e = 0; e < x.Count; e++)
            {
                int pos = StorageIndex(x, e);
                double original = storage[pos];
                storage[pos] = original + epsilon;
                var plus = Evaluate(function, inputs, m);
                storage[pos] = original - epsilon;
                var minus = Evaluate(function, inputs, m);
                storage[pos] = original;
                for (int j = 0; j < m; j++)
                {
                    double numeric = (plus[j] - minus[j]) / (2 * epsilon);
                    double a = analytic[c][j * x.Count + e];
                    double err = Math.Abs(a - numeric);
                    double rel = err / Math.Max(Math.Max(Math.Abs(a), Math.Abs(numeric)), 1e-12);
                    if (double.IsNaN(a) != double.IsNaN(numeric)) err = rel = double.PositiveInfinity;
                    double margin = err - (absTolerance + relTolerance * Math.Abs(numeric));
                    compared++;
                    maxAbs = Math.Max(maxAbs, err);
                    maxRel = Math.Max(maxRel, err == 0 ? 0 : rel);
                    if (margin > 0 || double.IsNaN(margin)) passed = false;
                    if (margin > worstMargin || worstInput < 0)
                    {
                        (worstMargin, worstInput, worstElement, worstOutput, worstA, worstN) = (margin, checkedInputs[c], e, j, a, numeric);
                    }
                }
            }
        }
        var worstShape = inputs[worstInput].ShapeArray;
        return new GradCheckResult(passed, maxAbs, maxRel, worstInput, Unflatten(worstElement, worstShape), worstOutput, worstA, worstN, compared);
    }

    /// <summary>
    /// Checks second derivatives (PyTorch's gradgradcheck): the gradient of
    /// Σ w·f(inputs), for fixed random weights w, computed with <c>createGraph</c>, is itself
    /// checked against finite differences.
    /// </summary>
    public static GradCheckResult CheckSecondOrder(Func<Tensor[], Tensor> function, Tensor[] inputs,
        double epsilon = 1e-6, double absTolerance = 1e-5, double relTolerance = 1e-3, ulong seed = 7)
    {
        ArgumentNullException.ThrowIfNull(function);
        var probe = function(inputs);
        var weights = Tensor.Normal(probe.ShapeArray, generator: new Generator(seed), dtype: DType.Float64);
        Tensor Gradient(Tensor[] xs)
        {
            var tracked = xs.Where(x => x.RequiresGrad).ToArray();
            var s = function(xs).Mul(weights).Sum();
            var grads = Autograd.Grad([s], tracked, createGraph: true, allowUnused: true);
            return Tensor.Cat(grads.Select(g => g.Reshape(-1)).ToArray());
        }
        return Check(Gradient, inputs, epsilon, absTolerance, relTolerance);
    }

    /// <summary>Throws an exception carrying the report when the check fails.</summary>
    public static void Assert(Func<Tensor[], Tensor> function, Tensor[] inputs,
        double epsilon = 1e-6, double absTolerance = 1e-5, double relTolerance = 1e-3)
    {
        var result = Check(function, inputs, epsilon, absTolerance, relTolerance);
        if (!result.Passed)
            throw new InvalidOperationException("Gradient check " + result);
    }

    private static double[][] AnalyticJacobian(Tensor output, Tensor[] inputs, List<int> checkedInputs)
    {
        int m = output.Count;
        var jac = new double[checkedInputs.Count][];
        for (int c = 0; c < checkedInputs.Count; c++) jac[c] = new double[m * inputs[checkedInputs[c]].Count];
        if (!output.RequiresGrad)
            return jac; // the output does not depend on any checked input: every derivative is 0
        var targets = checkedInputs.Select(i => inputs[i]).ToArray();
        for (int j = 0; j < m; j++)
        {
            var seed = Tensor.Zeros(output.ShapeArray, DType.Float64);
            seed.Data<double>()[j] = 1;
            var grads = Autograd.Grad([output], targets, [seed], retainGraph: true, allowUnused: true);
            for (int c = 0; c < targets.Length; c++)
            {
                var g = grads[c].ToArray<double>();
                Array.Copy(g, 0, jac[c], j * g.Length, g.Length);
            }
        }
        return jac;
    }

    private static double[] Evaluate(Func<Tensor[], Tensor> function, Tensor[] inputs, int expected)
    {
        var y = function(inputs);
        if (y.Count != expected)
            throw new InvalidOperationException($"GradCheck: the function returned {y.Count} elements on one call and {expected} on another.");
        return y.ToArray<double>();
    }

    private static int StorageIndex(Tensor x, int flat)
    {
        int pos = x.Offset;
        for (int d = x.Rank - 1; d >= 0; d--)
        {
            pos += flat % x.ShapeArray[d] * x.StrideArray[d];
            flat /= x.ShapeArray[d];
        }
        return pos;
    }

    private static int[] Unflatten(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }
}
