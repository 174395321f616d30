using ShawBot.Engine.IO;

namespace ShawBot.Engine.Model;

public static partial class ModelLoader
{
    private static partial ILinear? TryLoadQuantized(SafetensorsCheckpoint ck, string module, int rows, int cols, ModelLoadOptions options)
        => null;

    private static partial ILinear QuantizeOrPack(ReadOnlySpan<float> w, int rows, int cols, ModelLoadOptions options)
    {
        if (options.Quantize != WeightFormat.Float32)
            throw new NotSupportedException($"quantize-on-load ({options.Quantize}) is not available yet");
        return DenseLinear.FromRowMajor(w, rows, cols);
    }
}
