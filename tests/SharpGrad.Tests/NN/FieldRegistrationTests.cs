using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>
/// Fields of a Module subclass that hold modules or parameters are registered without
/// RegisterModule/RegisterParameter, under the names PyTorch would give them.
/// </summary>
public class FieldRegistrationTests
{
    private sealed class TwoLayer : Module
    {
        private readonly Linear fc1 = new(4, 3, generator: new Generator(1));
        private readonly Tensor scale = Tensor.Ones(3).RequireGrad();
        private readonly Tensor notTrained = Tensor.Ones(3);
        private readonly Linear fc2 = new(3, 2, generator: new Generator(2));

        public override Tensor Forward(Tensor input) => fc2.Call(fc1.Call(input).Mul(scale).Mul(notTrained).Relu());
    }

    [Fact]
    public void Fields_AreRegisteredInDeclarationOrder_OwnParametersFirst()
    {
        var model = new TwoLayer();
        Assert.Equal(["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], model.NamedParameters().Select(p => p.Key));
        Assert.Equal(["fc1", "fc2"], model.NamedChildren().Select(c => c.Key));
        Assert.Equal(3 + 4 * 3 + 3 + 3 * 2 + 2, model.ParameterCount);
        Assert.Equal(["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], model.StateDict().Keys);
    }

    [Fact]
    public void Registration_HappensOnce_WhicheverUseComesFirst()
    {
        var viaCall = new TwoLayer();
        viaCall.Call(Tensor.Ones(2, 4));
        Assert.Equal(5, viaCall.NamedParameters().Count());
        Assert.Equal(5, viaCall.NamedParameters().Count());
        var viaChildren = new TwoLayer();
        Assert.Equal(2, viaChildren.NamedChildren().Count);
        Assert.Equal(2, viaChildren.NamedChildren().Count);
        Assert.Equal(5, viaChildren.Parameters().Count());
    }

    [Fact]
    public void FieldModel_TrainsWithAnOptimiserBuiltFromParameters()
    {
        var model = new TwoLayer();
        var opt = new SharpGrad.Optim.Sgd(model.Parameters(), 0.1);
        var x = Tensor.Uniform([16, 4], -1, 1, new Generator(5));
        var y = Tensor.Uniform([16, 2], -1, 1, new Generator(6));
        double first = 0, last = 0;
        for (int step = 0; step < 50; step++)
        {
            var loss = Functional.MseLoss(model.Call(x), y);
            if (step == 0) first = loss.Item();
            last = loss.Item();
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
        }
        Assert.True(last < 0.9 * first, $"loss went from {first} to {last}");
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
    }

    private sealed class WithProperties : Module
    {
        public Linear Encoder { get; } = new(2, 3);

        public Linear Decoder { get; } = new(3, 2);

        public override Tensor Forward(Tensor input) => Decoder.Call(Encoder.Call(input));
    }

    [Fact]
    public void AutoProperties_AreNamedAfterTheProperty()
    {
        Assert.Equal(["Encoder.weight", "Encoder.bias", "Decoder.weight", "Decoder.bias"],
            new WithProperties().NamedParameters().Select(p => p.Key));
    }

    private class Backbone : Module
    {
        protected readonly Linear stem = new(2, 2);

        public override Tensor Forward(Tensor input) => stem.Call(input);
    }

    private sealed class WithHead : Backbone
    {
        private readonly Linear head = new(2, 1);

        public override Tensor Forward(Tensor input) => head.Call(base.Forward(input));
    }

    [Fact]
    public void InheritedFields_ComeFirst()
    {
        Assert.Equal(["stem", "head"], new WithHead().NamedChildren().Select(c => c.Key));
    }

    private sealed class ManualAndAutomatic : Module
    {
        private readonly Linear encoder;
        private readonly Tensor gain;
        private readonly Tensor count;
        private readonly Linear same;

        public ManualAndAutomatic()
        {
            encoder = RegisterModule("enc", new Linear(2, 2));
            gain = RegisterParameter("g", Tensor.Ones(2));
            count = RegisterBuffer("count", Tensor.Zeros(1).RequireGrad());
            same = encoder;
        }

        public override Tensor Forward(Tensor input) => same.Call(encoder.Call(input)).Mul(gain).Add(count);
    }

    [Fact]
    public void ManuallyRegisteredFields_KeepTheirNames_AndAppearOnce()
    {
        var m = new ManualAndAutomatic();
        Assert.Equal(["g", "enc.weight", "enc.bias"], m.NamedParameters().Select(p => p.Key));
        Assert.Equal(["enc"], m.NamedChildren().Select(c => c.Key));
        Assert.Equal(["count"], m.NamedBuffers().Select(b => b.Key));
    }

    private sealed class Lazy : Module
    {
        private readonly Linear first = new(2, 2);
        private Linear? later;

        public void AddLater() => later = new Linear(2, 1);

        public override Tensor Forward(Tensor input) => later is null ? first.Call(input) : later.Call(first.Call(input));
    }

    [Fact]
    public void NullFields_AreSkipped_AndRegisteredOnceTheyHoldAModule()
    {
        var m = new Lazy();
        Assert.Equal(["first"], m.NamedChildren().Select(c => c.Key));
        m.AddLater();
        Assert.Equal(["first", "later"], m.NamedChildren().Select(c => c.Key));
        Assert.Equal(["first.weight", "first.bias", "later.weight", "later.bias"], m.NamedParameters().Select(p => p.Key));
    }

    private sealed class WithCollection : Module
    {
        private readonly List<Linear> blocks = [new Linear(2, 2), new Linear(2, 2)];
        private readonly Linear[] array = [new Linear(2, 2)];

        public override Tensor Forward(Tensor input) => array[0].Call(blocks[1].Call(blocks[0].Call(input)));
    }

    [Fact]
    public void Collections_AreLeftToExplicitRegistration()
    {
        var m = new WithCollection();
        Assert.Empty(m.NamedChildren());
        Assert.Empty(m.Parameters());
    }

    private sealed class Clash : Module
    {
        private readonly Tensor weight = Tensor.Ones(2).RequireGrad();

        public Clash() => RegisterParameter("weight", Tensor.Zeros(2));

        public override Tensor Forward(Tensor input) => input.Mul(weight);
    }

    [Fact]
    public void FieldWhoseNameIsTaken_IsAClearError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new Clash().NamedParameters().ToList());
        Assert.Equal("Clash: field 'weight' holds a parameter that would be registered as \"weight\", but another member already has that name; register it by hand under another name.", e.Message);
    }

    private sealed class Child : Module
    {
        private readonly Linear fc = new(2, 2);

        public Module? Owner { get; set; }

        public override Tensor Forward(Tensor input) => fc.Call(input);
    }

    private sealed class Parent : Module
    {
        private readonly Child child = new();

        public Parent() => child.Owner = this;

        public override Tensor Forward(Tensor input) => child.Call(input);
    }

    [Fact]
    public void FieldLinkingBackToAParent_IsNotAChild()
    {
        var parent = new Parent();
        Assert.Equal(["", "child", "child.fc"], parent.NamedModules().Select(m => m.Key));
        Assert.Equal(["child.fc.weight", "child.fc.bias"], parent.NamedParameters().Select(p => p.Key));
    }

    private sealed class Loop : Module
    {
        public Loop() => RegisterModule("inner", new Sequential());

        public void Close() => ((Sequential)NamedChildren()[0].Value).Add(this, "outer");

        public override Tensor Forward(Tensor input) => input;
    }

    [Fact]
    public void ACycleInTheTree_IsAClearError()
    {
        var loop = new Loop();
        loop.Close();
        var e = Assert.Throws<InvalidOperationException>(() => loop.NamedParameters().ToList());
        Assert.Equal("Loop: the Loop at 'inner.outer' contains itself, so the module tree is a cycle; a module must not register one of its ancestors as a child.", e.Message);
    }

    [Fact]
    public void BuiltInLayers_KeepTheirStateDictNames()
    {
        var model = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU(), new Flatten(), new Linear(8, 2), new LayerNorm([2]), new Embedding(3, 2));
        Assert.Equal(
            ["0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias", "5.weight", "5.bias", "6.weight",
             "1.running_mean", "1.running_var", "1.num_batches_tracked"],
            model.StateDict().Keys);
    }
}
