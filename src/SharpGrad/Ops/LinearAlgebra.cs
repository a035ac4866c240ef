using SharpGrad.Kernels;

namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// The matrix product, with PyTorch's rules: 1-D·1-D is the dot product, a 1-D operand is
    /// treated as a row (left) or column (right) vector and that dimension removed afterwards,
    /// and operands of rank &gt; 2 are stacks of matrices whose batch dimensions broadcast.
    /// ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G (summed over broadcast batch dimensions). Transposed operands
    /// are read through their strides by the GEMM kernel, never copied first.
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul: both operands need at least one dimension, got shapes {ShapeMath.Format(ShapeArray)} and {ShapeMath.Format(other.ShapeArray)}; use Mul for scalars.");
        if (Rank == 1 && other.Rank == 1)
            return Unsqueeze(0).MatMul(other.Unsqueeze(1)).Reshape();
        if (Rank == 1)
            return Unsqueeze(0).MatMul(other).Squeeze(-2);
        if (other.Rank == 1)
            return MatMul(other.Unsqueeze(1)).Squeeze(-1);

        var (a, b) = Promote(this, other);
        Dispatch.RequireFloat(a, "MatMul");
        int k = a.ShapeArray[^1];
        if (b.ShapeArray[^2] != k)
            throw new ArgumentException(
                $"MatMul: shapes {ShapeMath.Format(ShapeArray)} and {ShapeMath.Format(other.ShapeArray)} are not aligned: the first has {k} columns but the second has {b.ShapeArray[^2]} rows.");
        var result = BatchedMatMul(a, b);
        return Autograd.Record(result, OpCode.MatMul, a, b);
    }

    private static Tensor BatchedMatMul(Tensor a, Tensor b)
    {
        int m = a.ShapeArray[^2], k = a.ShapeArray[^1], n = b.ShapeArray[^1];
        var batchShape = ShapeMath.Broadcast(a.ShapeArray.AsSpan(0, a.Rank - 2), b.ShapeArray.AsSpan(0, b.Rank - 2), "MatMul");
        var outShape = new int[batchShape.Length + 2];
        batchShape.CopyTo(outShape, 0);
        outShape[^2] = m;
        outShape[^1] = n;
        if (!a.Device.IsCpu || !b.Device.IsCpu)
            return DeviceMatMul(a, b, outShape);
        // Every element is written unless the inner dimension is empty, where the product is zeros.
        var result = k == 0 ? new Tensor(outShape, a.DType) : Uninitialized(outShape, a.DType);
        // An empty result has nothing to compute, and an empty inner dimension sums nothing (zeros
        // above); the GEMM kernel is only ever given non-degenerate operands.
        if (k == 0 || result.Count == 0)
            return result;
        var offsets = BatchOffsets(a, b, batchShape);
        for (int bi = 0; bi < offsets.Length; bi++)
        {
            var (aOff, bOff) = offsets[bi];
            int cOff = bi * m * n;
            if (a.DType == DType.Float32)
                Gemm.Multiply(m, n, k, a.Data<float>().AsSpan(aOff), a.StrideArray[^2], a.StrideArray[^1],
                    b.Data<float>().AsSpan(bOff), b.StrideArray[^2], b.StrideArray[^1],
                    result.Data<float>().AsSpan(cOff, m * n), n, 1, accumulate: false);
            else
                Gemm.Multiply(m, n, k, a.Data<double>().AsSpan(aOff), a.StrideArray[^2], a.StrideArray[^1],
                    b.Data<double>().AsSpan(bOff), b.StrideArray[^2], b.StrideArray[^1],
                    result.Data<double>().AsSpan(cOff, m * n), n, 1, accumulate: false);
        }
        return result;
    }

    private static Tensor DeviceMatMul(Tensor a, Tensor b, int[] outShape)
    {
        b = Dispatch.OnDevice(b, a.Device, "MatMul");
        int m = a.ShapeArray[^2], k = a.ShapeArray[^1], n = b.ShapeArray[^1];
        if (k == 0 || ShapeMath.Count(outShape) == 0)
            return ZerosOn(outShape, a.DType, a.Device);
        a = Dispatch.UnitStrideMatrices(a);
        b = Dispatch.UnitStrideMatrices(b);
        var result = Uninitialized(outShape, a.DType, a.Device);
        var kernels = DeviceBackends.For(a.Device);
        var offsets = BatchOffsets(a, b, outShape[..^2]);
        // Batches a constant stride apart (one batch dimension, or several that merge) are one strided-batched launch.
        int aStep = offsets.Length > 1 ? offsets[1].A - offsets[0].A : 0, bStep = offsets.Length > 1 ? offsets[1].B - offsets[0].B : 0;
        bool regular = true;
        for (int bi = 1; bi < offsets.Length && regular; bi++)
            regular = offsets[bi].A - offsets[bi - 1].A == aStep && offsets[bi].B - offsets[bi - 1].B == bStep;
        if (regular)
        {
            kernels.Gemm(offsets.Length, m, n, k, a.Buffer, offsets[0].A, aStep, a.StrideArray[^2], a.StrideArray[^1],
                b.Buffer, offsets[0].B, bStep, b.StrideArray[^2], b.StrideArray[^1], result.Buffer, 0, m * n, n, accumulate: false);
            return result;
        }
        for (int bi = 0; bi < offsets.Length; bi++)
            kernels.Gemm(1, m, n, k, a.Buffer, offsets[bi].A, 0, a.StrideArray[^2], a.StrideArray[^1],
                b.Buffer, offsets[bi].B, 0, b.StrideArray[^2], b.StrideArray[^1], result.Buffer, bi * m * n, 0, n, accumulate: false);
        return result;
    }

    /// <summary>Where each matrix of the broadcast batch starts in a and in b, in row-major order of the batch.</summary>
    private static (int A, int B)[] BatchOffsets(Tensor a, Tensor b, int[] batchShape)
    {
        var aBatch = ShapeMath.BroadcastStrides(a.ShapeArray.AsSpan(0, a.Rank - 2), a.StrideArray.AsSpan(0, a.Rank - 2), batchShape);
        var bBatch = ShapeMath.BroadcastStrides(b.ShapeArray.AsSpan(0, b.Rank - 2), b.StrideArray.AsSpan(0, b.Rank - 2), batchShape);
        var offsets = new (int A, int B)[ShapeMath.Count(batchShape)];
        for (int bi = 0; bi < offsets.Length; bi++)
        {
            int rem = bi, aOff = a.Offset, bOff = b.Offset;
            for (int d = batchShape.Length - 1; d >= 0; d--)
            {
                int i = rem % batchShape[d];
                rem /= batchShape[d];
                aOff += i * aBatch[d];
                bOff += i * bBatch[d];
            }
            offsets[bi] = (aOff, bOff);
        }
        return offsets;
    }
}
