using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>The module system: naming, state dicts, modes, dtype conversion and the summary table.</summary>
public class ModuleTests
{
    private static Sequential Mlp(ulong seed = 1) =>
        new(new Linear(4, 3, generator: new Generator(seed)), new ReLU(), new Linear(3, 2, generator: new Generator(seed + 1)));

    [Fact]
    public void NamedParameters_AreDottedAndInRegistrationOrder()
    {
        var names = Mlp().NamedParameters().Select(p => p.Key).ToArray();
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], names);
    }

    [Fact]
    public void ParameterCount_IsWeightsPlusBiases() =>
        Assert.Equal(4 * 3 + 3 + 3 * 2 + 2, Mlp().ParameterCount);

    [Fact]
    public void LoadStateDict_CopiesValuesIntoAnotherInstance()
    {
        var a = Mlp(1);
        var b = Mlp(7);
        var x = Tensor.Uniform([5, 4], -1, 1, new Generator(3));
        Assert.NotEqual(a.Forward(x).ToFloatArray(), b.Forward(x).ToFloatArray());
        b.LoadStateDict(a.StateDict());
        Assert.Equal(a.Forward(x).ToFloatArray(), b.Forward(x).ToFloatArray());
        Assert.True(b.Parameters().All(p => p.RequiresGrad && p.IsLeaf));
    }

    [Fact]
    public void LoadStateDict_ReportsMissingUnexpectedAndMisshapenEntries()
    {
        var model = Mlp();
        var state = model.StateDict().ToDictionary();
        state.Remove("2.bias");
        state["extra.weight"] = Tensor.Zeros(1);
        state["0.weight"] = Tensor.Zeros(4, 3);
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Contains("missing: 2.bias", e.Message);
        Assert.Contains("unexpected: extra.weight", e.Message);
        Assert.Contains("0.weight has shape [4, 3] in the state dict but [3, 4] in the model", e.Message);
    }

    [Fact]
    public void LoadStateDict_NonStrict_IgnoresMissingAndExtraNames()
    {
        var model = Mlp();
        var partial = new Dictionary<string, Tensor> { ["0.bias"] = Tensor.FromArray([1f, 2f, 3f]), ["other"] = Tensor.Zeros(2) };
        model.LoadStateDict(partial, strict: false);
        Assert.Equal([1f, 2f, 3f], ((Linear)model.Layers[0]).Bias!.ToFloatArray());
    }

    [Fact]
    public void TrainAndEval_PropagateToEveryDescendant()
    {
        var model = new Sequential(Mlp(), new Sequential(new ReLU()));
        model.Eval();
        Assert.All(model.NamedModules(), m => Assert.False(m.Value.Training));
        model.Train();
        Assert.All(model.NamedModules(), m => Assert.True(m.Value.Training));
    }

    [Fact]
    public void To_Float64_ConvertsParametersAndKeepsThemTrainable()
    {
        var model = Mlp().To(DType.Float64);
        Assert.All(model.Parameters(), p => { Assert.Equal(DType.Float64, p.DType); Assert.True(p.RequiresGrad); });
        Assert.Equal(DType.Float64, model.Forward(Tensor.Zeros([2, 4], DType.Float64)).DType);
    }

    [Fact]
    public void Summary_ListsLeafLayersWithOutputShapesAndCounts()
    {
        var summary = Mlp().Summarize(8, 4);
        Assert.Equal(["0", "1", "2"], summary.Rows.Select(r => r.Name));
        Assert.Equal(["Linear", "ReLU", "Linear"], summary.Rows.Select(r => r.Type));
        Assert.Equal([8, 3], summary.Rows[0].OutputShape);
        Assert.Equal([8, 2], summary.Rows[2].OutputShape);
        Assert.Equal([15L, 0, 8], summary.Rows.Select(r => r.Parameters));
        Assert.Equal(23, summary.TotalParameters);
        var text = summary.ToString();
        Assert.Contains("Total parameters: 23", text);
        Assert.Contains("Linear  [8, 2]", text);
    }

    [Fact]
    public void Linear_MatchesHandComputedAffineMap()
    {
        var layer = new Linear(2, 1, dtype: DType.Float64);
        layer.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.FromArray([2.0, -3.0], 1, 2),
            ["bias"] = Tensor.FromArray([0.5]),
        });
        var y = layer.Forward(Tensor.FromArray([1.0, 1.0, 4.0, 2.0], 2, 2));
        Assert.Equal([2 - 3 + 0.5, 8 - 6 + 0.5], y.ToDoubleArray());
    }

    [Fact]
    public void Linear_DefaultInit_IsWithinPyTorchBounds()
    {
        var layer = new Linear(100, 50, generator: new Generator(4));
        double bound = 1 / Math.Sqrt(100);
        Assert.All(layer.Weight.ToDoubleArray(), w => Assert.InRange(w, -bound, bound));
        Assert.All(layer.Bias!.ToDoubleArray(), b => Assert.InRange(b, -bound, bound));
        // U(−b, b) has standard deviation b/√3.
        Assert.Equal(bound / Math.Sqrt(3), layer.Weight.To(DType.Float64).Std().Item(), 3);
    }

    [Fact]
    public void Linear_GradientsMatchFiniteDifferences()
    {
        var w = TestData.Leaf([3, 4], 5);
        var b = TestData.Leaf([3], 6);
        var x = TestData.Leaf([2, 4], 7);
        TestData.AssertGradients(t => Functional.Linear(t[0], t[1], t[2]), x, w, b);
    }

    [Fact]
    public void Linear_Rank3AndNonContiguousInputs_AndSecondOrder_MatchFiniteDifferences()
    {
        // [2, 3, 4] input (a leading batch of rows), a transposed weight view, no bias.
        var x = TestData.Leaf([2, 3, 4], 8);
        var wT = TestData.TransposedLeaf(5, 4, 9); // a [5, 4] view of a [4, 5] buffer
        TestData.AssertGradients(t => Functional.Linear(t[0], t[1]), x, wT);
        // A step-sliced input and a bias, and derivatives of the gradients themselves.
        var stepped = TestData.SteppedLeaf(3, 4, 10);
        var w = TestData.Leaf([2, 4], 11);
        var b = TestData.Leaf([2], 12);
        TestData.AssertGradients(t => Functional.Linear(t[0], t[1], t[2]), stepped, w, b);
        TestData.AssertSecondOrder(t => Functional.Linear(t[0], t[1], t[2]).Tanh(), TestData.Leaf([3, 4], 13), w, b);
    }

    [Fact]
    public void Linear_VectorInput_AndFloat32_MatchHandValues()
    {
        var w = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new float[] { 0.5f, -1 });
        Assert.Equal(new float[] { 1 + 4 + 9 + 0.5f, 4 + 10 + 18 - 1 }, Functional.Linear(Tensor.FromArray(new float[] { 1, 2, 3 }), w, b).ToFloatArray());
        Assert.Equal([2], Functional.Linear(Tensor.FromArray(new float[] { 1, 2, 3 }), w).Shape.ToArray());
        // No input features: the output is the bias alone (or zeros).
        Assert.Equal(new float[] { 0.5f, -1, 0.5f, -1 }, Functional.Linear(Tensor.Zeros(2, 0), Tensor.Zeros(2, 0), b).ToFloatArray());
        Assert.Equal(new float[] { 0, 0 }, Functional.Linear(Tensor.Zeros(1, 0), Tensor.Zeros(2, 0)).ToFloatArray());
        // No output features: an empty [2, 0] result, as PyTorch gives.
        Assert.Equal([2, 0], Functional.Linear(Tensor.Ones(2, 3), Tensor.Zeros(0, 3)).Shape.ToArray());
    }

    [Fact]
    public void Linear_WrongBiasShape_NamesTheShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.Linear(Tensor.Ones(2, 3), Tensor.Zeros(4, 3), Tensor.Zeros(3)));
        Assert.Contains("[4]", e.Message);
        Assert.Contains("[3]", e.Message);
    }

    [Fact]
    public void Linear_WrongInputWidth_NamesTheShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new Linear(4, 2).Forward(Tensor.Zeros(3, 5)));
        Assert.Contains("[3, 5]", e.Message);
        Assert.Contains("[2, 4]", e.Message);
    }

    [Fact]
    public void Embedding_LooksUpRows_AndAccumulatesGradientsOfRepeatedIndices()
    {
        var table = new Embedding(4, 2, generator: new Generator(1), dtype: DType.Float64);
        var idx = Tensor.FromArray([3, 1, 3], 3);
        var y = table.Forward(idx);
        var w = table.Weight.ToDoubleArray();
        Assert.Equal([w[6], w[7], w[2], w[3], w[6], w[7]], y.ToDoubleArray());
        y.Sum().Backward();
        Assert.Equal([0.0, 0, 1, 1, 0, 0, 2, 2], table.Weight.Grad!.ToDoubleArray());
        TestData.AssertGradients(t => Functional.Embedding(Tensor.FromArray([0, 2, 2, 1], 2, 2), t[0]), TestData.Leaf([3, 2], 9));
    }

    [Fact]
    public void Init_KaimingAndXavier_HaveTheirStandardDeviations()
    {
        var t = Tensor.Zeros([400, 300], DType.Float64);
        Init.KaimingNormal(t, generator: new Generator(1));
        AssertClose(Math.Sqrt(2.0 / 300), t.Std().Item(), 0.01);
        Init.KaimingUniform(t, generator: new Generator(2));
        AssertClose(Math.Sqrt(2.0 / 300), t.Std().Item(), 0.01);
        Init.XavierUniform(t, generator: new Generator(3));
        AssertClose(Math.Sqrt(2.0 / 700), t.Std().Item(), 0.01);
        Init.XavierNormal(t, generator: new Generator(4));
        AssertClose(Math.Sqrt(2.0 / 700), t.Std().Item(), 0.01);
        var same = Tensor.Zeros([400, 300], DType.Float64);
        Init.XavierNormal(same, generator: new Generator(4));
        Assert.Equal(t.ToDoubleArray(), same.ToDoubleArray());
    }

    private static void AssertClose(double expected, double actual, double relative) =>
        Assert.InRange(actual, expected * (1 - relative), expected * (1 + relative));

    [Fact]
    public void ForwardHook_SeesInputAndOutput_AndCanBeRemoved()
    {
        var relu = new ReLU();
        int calls = 0;
        var handle = relu.RegisterForwardHook((m, i, o) => { calls++; Assert.Equal([0f, 2f], o.ToFloatArray()); });
        relu.Call(Tensor.FromArray([-1f, 2f]));
        handle.Dispose();
        relu.Call(Tensor.FromArray([-1f, 2f]));
        Assert.Equal(1, calls);
    }
}
