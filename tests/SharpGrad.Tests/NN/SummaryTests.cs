using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>Summarize and forward hooks see layers that a parent runs with Forward as well as with Call.</summary>
public class SummaryTests
{
    private sealed class DirectForward : Module
    {
        private readonly Linear fc1 = new(4, 3);
        private readonly ReLU act = new();
        private readonly Linear fc2 = new(3, 2);

        public override Tensor Forward(Tensor input) => fc2.Forward(act.Forward(fc1.Forward(input)));
    }

    [Fact]
    public void Summarize_ListsChildrenRunThroughForward()
    {
        var summary = new DirectForward().Summarize(5, 4);
        Assert.Equal(["fc1", "act", "fc2"], summary.Rows.Select(r => r.Name));
        Assert.Equal(["Linear", "ReLU", "Linear"], summary.Rows.Select(r => r.Type));
        Assert.Equal([5, 3], summary.Rows[0].OutputShape);
        Assert.Equal([5, 3], summary.Rows[1].OutputShape);
        Assert.Equal([5, 2], summary.Rows[2].OutputShape);
        Assert.Equal([4 * 3 + 3, 0, 3 * 2 + 2], summary.Rows.Select(r => r.Parameters));
        Assert.Equal(23, summary.TotalParameters);
    }

    [Fact]
    public void ForwardHook_RunsOnceWhetherCalledOrForwarded()
    {
        var layer = new Linear(2, 2);
        int calls = 0;
        using var hook = layer.RegisterForwardHook((_, _, _) => calls++);
        layer.Call(Tensor.Ones(1, 2));
        Assert.Equal(1, calls);
        layer.Forward(Tensor.Ones(1, 2));
        Assert.Equal(2, calls);
        new Sequential(layer).Call(Tensor.Ones(1, 2));
        Assert.Equal(3, calls);
        new Sequential(layer).Forward(Tensor.Ones(1, 2));
        Assert.Equal(4, calls);
    }
}
