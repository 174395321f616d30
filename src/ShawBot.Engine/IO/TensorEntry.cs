namespace ShawBot.Engine.IO;

/// <summary>
/// One tensor of a safetensors file. <see cref="DataOffset"/> is absolute within the file
/// (8 + header length + the header's begin offset); the header parser has already checked
/// that [DataOffset, DataOffset + ByteLength) lies inside the file and that
/// ByteLength == ElementCount * DType.ElementSize().
/// </summary>
public sealed record TensorEntry(string Name, SafetensorsDType DType, long[] Shape, long DataOffset, long ByteLength)
{
    /// <summary>Product of the shape (1 for a scalar with shape []).</summary>
    public long ElementCount { get; } = Product(Shape);

    private static long Product(long[] shape)
    {
        long n = 1;
        foreach (long d in shape) n = checked(n * d);
        return n;
    }

    public override string ToString() => $"{Name} {DType.ToHeaderName()} [{string.Join(", ", Shape)}] @{DataOffset}+{ByteLength}";
}
