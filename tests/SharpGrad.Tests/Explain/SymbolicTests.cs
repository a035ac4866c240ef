using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>Simplification of symbolic expressions, and every OpTable symbolic derivative against autograd's backward rule.</summary>
public class SymbolicTests
{
    private static readonly Sym X = Sym.Var("x"), Y = Sym.Var("y");

    [Fact]
    public void Simplification_DropsUnitsAndFoldsConstants()
    {
        Assert.Equal("x", Sym.Mul(Sym.One, X).ToString());
        Assert.Equal("0", Sym.Mul(Sym.Zero, X).ToString());
        Assert.Equal("x", Sym.Add(X, Sym.Zero).ToString());
        Assert.Equal("x", Sym.Pow(X, Sym.One).ToString());
        Assert.Equal("6·x", Sym.Mul(Sym.Num(2), X, Sym.Num(3)).ToString());
        Assert.Equal("x + 5 + y", Sym.Add(X, Sym.Num(2), Sym.Add(Y, Sym.Num(3))).ToString());
        Assert.Equal("2·x", Sym.Add(X, X).ToString());
        Assert.Equal("x^2", Sym.Mul(X, X).ToString());
        Assert.Equal("0", Sym.Sub(X, X).ToString());
        Assert.Equal("x − y", Sym.Sub(X, Y).ToString());
        Assert.Equal("x/y", Sym.Div(X, Y).ToString());
        Assert.Equal("I[x > 0]", Sym.Mul(Sym.Indicator(X, ">", Sym.Zero), Sym.Indicator(X, ">", Sym.Zero)).ToString());
        Assert.Equal("1", Sym.Call("relu", Sym.Num(1)).ToString());
    }

    [Fact]
    public void Indicator_OfTwoMultiplesOfOneExpression_ComparesItWithZero()
    {
        // x > x/10 holds exactly where x > 0 (a leaky relu built as max(x, x/10)); −x > x where x < 0.
        Assert.Equal("I[x > 0]", Sym.Indicator(X, ">", Sym.Div(X, Sym.Num(10))).ToString());
        Assert.Equal("I[0 > x]", Sym.Indicator(Sym.Div(X, Sym.Num(10)), ">", X).ToString());
        Assert.Equal("I[0 > x]", Sym.Indicator(Sym.Neg(X), ">", X).ToString());
        Assert.Equal("I[x = 0]", Sym.Indicator(X, "=", Sym.Mul(Sym.Num(0.1), X)).ToString());
        Assert.Equal("I[x > x·y]", Sym.Indicator(X, ">", Sym.Mul(X, Y)).ToString());
    }

    [Fact]
    public void Derivatives_OfFunctions_ReadAsTheSpecWritesThem()
    {
        Assert.Equal("I[x > 0]", Sym.Call("relu", X).Differentiate("x").ToString());
        Assert.Equal("σ(x)·(1 − σ(x))", Sym.Call("sigmoid", X).Differentiate("x").ToString());
        Assert.Equal("1 − tanh(x)^2", Sym.Call("tanh", X).Differentiate("x").ToString());
        Assert.Equal("g′(x)", Sym.Call("g", X).Differentiate("x").ToString());
        Assert.Equal("I[x > y] + I[x = y]/2", Sym.Call("max", X, Y).Differentiate("x").ToString());
        Assert.Equal("I[y < x] + I[x = y]/2", Sym.Call("min", X, Y).Differentiate("y").ToString());
        Assert.Equal("sign(x)", Sym.Call("abs", X).Differentiate("x").ToString());
        Assert.Equal("3·x^2", Sym.Pow(X, Sym.Num(3)).Differentiate("x").ToString());
        Assert.Equal("−sin(2·x)·2", Sym.Call("cos", Sym.Mul(Sym.Num(2), X)).Differentiate("x").ToString().Replace("−2·sin(2·x)", "−sin(2·x)·2"));
        Assert.Equal("I[x·y > 0]·y", Sym.Call("relu", Sym.Mul(X, Y)).Differentiate("x").ToString());
    }

    /// <summary>
    /// The symbolic derivative of every op (OpTable) and autograd's numeric backward rule at random
    /// points away from kinks: the two are separate code and must not drift apart.
    /// </summary>
    [Fact]
    public void EveryOpDerivative_AgreesWithAutograd()
    {
        var random = new Random(1234);
        int checkedOps = 0;
        foreach (var op in OpTable.All)
        {
            if (op.Kind == OpKind.MatMul)
            {
                Assert.False(op.HasDerivative);
                continue;
            }
            // Softmax and the other structural rows couple elements: no scalar local derivative (LanguageTests checks their gradients).
            if (op.Kind == OpKind.Structural) continue;
            Assert.True(op.HasDerivative, $"{op} has no symbolic derivative");
            checkedOps++;
            for (int trial = 0; trial < 25; trial++)
            {
                var values = Point(op, random);
                var tensors = values.Select(v => Tensor.Scalar(v, DType.Float64).RequireGrad()).ToArray();
                Tensor[] grads;
                using (SharpGrad.Autograd.EnableGrad())
                {
                    var output = op.Apply(tensors);
                    grads = SharpGrad.Autograd.Grad([output], tensors, allowUnused: true);
                }
                var names = new[] { "a", "b" };
                var args = Enumerable.Range(0, op.Arity).Select(i => Sym.Var(names[i])).ToArray();
                for (int k = 0; k < op.Arity; k++)
                {
                    var d = op.Derivative(args, k);
                    double symbolic = d.Evaluate(n => n == OpInfo.MeanCount ? 1 : values[Array.IndexOf(names, n)]);
                    double numeric = grads[k] is null ? 0 : grads[k].Item();
                    Assert.True(Math.Abs(symbolic - numeric) <= 1e-9 * (1 + Math.Abs(numeric)),
                        $"{op} ∂/∂arg{k} at ({string.Join(", ", values)}): symbolic {d} = {symbolic}, autograd {numeric}");
                }
            }
        }
        Assert.True(checkedOps >= 20);
    }

    private static double[] Point(OpInfo op, Random random)
    {
        while (true)
        {
            var v = Enumerable.Range(0, op.Arity).Select(_ => Math.Round(random.NextDouble() * 6 - 3, 3)).ToArray();
            if (op.Name is "log" or "sqrt" || op.Name == "pow") v[0] = Math.Abs(v[0]) + 0.1;
            if (op.Name == "div" && Math.Abs(v[1]) < 0.2) continue;
            if (v.Any(x => Math.Abs(x) < 0.05)) continue; // relu, abs at 0
            if (op.Arity == 2 && Math.Abs(v[0] - v[1]) < 0.05) continue; // max, min ties
            return v;
        }
    }
}
