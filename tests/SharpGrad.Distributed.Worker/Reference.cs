using SharpGrad;
using SharpGrad.NN;

/// <summary>The model and data of the data-parallel scenario, shared with the tests that compute the expected gradients in one process.</summary>
public static class Reference
{
    public static Sequential Model(Generator generator)
    {
        var model = new Sequential(new Linear(4, 3, generator: generator), new Tanh(), new Linear(3, 2, generator: generator));
        model.To(DType.Float64);
        return model;
    }

    public static Sequential BatchNormModel(Generator generator)
    {
        var model = new Sequential(new Linear(4, 3, generator: generator), new BatchNorm1d(3), new Tanh(), new Linear(3, 2, generator: generator));
        model.To(DType.Float64);
        return model;
    }

    public static (Tensor X, Tensor Y) Data()
    {
        var x = new double[8 * 4];
        var y = new double[8 * 2];
        for (int i = 0; i < x.Length; i++) x[i] = Math.Sin(0.7 * i) + 0.1 * i;
        for (int i = 0; i < y.Length; i++) y[i] = Math.Cos(1.3 * i);
        return (Tensor.FromArray(x, 8, 4), Tensor.FromArray(y, 8, 2));
    }
}
