using System.Buffers.Binary;
using System.Text;
using SharpGrad.IO;
using SharpGrad.NN;
using SharpGrad.Tests.IO;

namespace SharpGrad.Tests.NN;

/// <summary>Batch norm's state dict has PyTorch's keys, including num_batches_tracked, and old files still load.</summary>
public class BatchNormStateTests
{
    [Fact]
    public void StateDict_HasPyTorchKeys_WithAScalarIntegerCount()
    {
        var bn = new BatchNorm2d(3);
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], bn.StateDict().Keys);
        var count = bn.StateDict()["num_batches_tracked"];
        Assert.Equal(0, count.Rank);
        Assert.Equal(DType.Int32, count.DType);
        Assert.Equal(0, count.Item());
        Assert.Equal(6, bn.ParameterCount);
        Assert.Equal(["running_mean", "running_var", "num_batches_tracked"], new BatchNorm1d(2, affine: false).StateDict().Keys);
    }

    [Fact]
    public void Count_GrowsByOnePerTrainingForward_NotInEval()
    {
        var bn = new BatchNorm1d(2);
        var x = Tensor.Randn(4, 2);
        bn.Call(x);
        bn.Forward(x);
        using (SharpGrad.Autograd.NoGrad()) bn.Call(x);
        Assert.Equal(3, bn.NumBatchesTracked.Item());
        bn.Eval().Call(x);
        Assert.Equal(3, bn.NumBatchesTracked.Item());
        Assert.Throws<ArgumentException>(() => bn.Train().Call(Tensor.Randn(4, 5)));
        Assert.Equal(3, bn.NumBatchesTracked.Item());
    }

    [Fact]
    public void PyTorchKeySet_LoadsStrictly()
    {
        var bn = new BatchNorm1d(2);
        bn.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.FromArray([2f, 3f]),
            ["bias"] = Tensor.FromArray([0.5f, -0.5f]),
            ["running_mean"] = Tensor.FromArray([1f, -1f]),
            ["running_var"] = Tensor.FromArray([4f, 9f]),
            ["num_batches_tracked"] = Tensor.Scalar(7, DType.Int32),
        });
        Assert.Equal(7, bn.NumBatchesTracked.Item());
        // eval: (x − mean)/√(var + ε)·γ + β with ε = 0 to the test's precision: (3 − 1)/2·2 + 0.5 = 2.5, (2 + 1)/3·3 − 0.5 = 2.5
        Assert.Equal([2.5, 2.5], bn.Eval().Call(Tensor.FromArray([3f, 2f], 1, 2)).ToDoubleArray().Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void StateDictWithoutTheCount_StillLoadsStrictly_KeepingTheCount()
    {
        var bn = new BatchNorm1d(2);
        bn.Call(Tensor.Randn(3, 2));
        var old = new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.Ones(2), ["bias"] = Tensor.Zeros(2), ["running_mean"] = Tensor.FromArray([5f, 6f]), ["running_var"] = Tensor.Ones(2),
        };
        bn.LoadStateDict(old);
        Assert.Equal([5f, 6f], bn.RunningMean.ToFloatArray());
        Assert.Equal(1, bn.NumBatchesTracked.Item());
        old.Remove("running_var");
        var e = Assert.Throws<ArgumentException>(() => bn.LoadStateDict(old));
        Assert.Contains("missing: running_var.", e.Message);
        Assert.DoesNotContain("num_batches_tracked", e.Message);
    }

    [Fact]
    public void SafeTensorsFileAsPyTorchWritesIt_WithAnInt64Count_Loads()
    {
        // PyTorch saves num_batches_tracked as a 0-d int64 tensor (dtype I64, shape []).
        string header = "{\"bn.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
                        "\"bn.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}," +
                        "\"bn.running_mean\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}," +
                        "\"bn.running_var\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}," +
                        "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[32,40]}}";
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + 40];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        float[] floats = [1, 1, 0, 0, 0.5f, -0.5f, 1, 1];
        for (int i = 0; i < floats.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + json.Length + 4 * i), floats[i]);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 + json.Length + 32), 1234);
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("bn.safetensors"), bytes);

        var model = new Sequential().Add(new BatchNorm1d(2), "bn");
        model.LoadStateDict(SafeTensors.Load(dir.File("bn.safetensors")).Tensors);
        var bn = (BatchNorm)model.Layers[0];
        Assert.Equal(1234, bn.NumBatchesTracked.Item());
        Assert.Equal([0.5f, -0.5f], bn.RunningMean.ToFloatArray());

        SafeTensors.Save(dir.File("again.safetensors"), model.StateDict());
        var again = SafeTensors.Load(dir.File("again.safetensors")).Tensors;
        Assert.Equal(DType.Int32, again["bn.num_batches_tracked"].DType);
        Assert.Equal(1234, again["bn.num_batches_tracked"].Item());
    }
}
