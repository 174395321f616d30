namespace ShawBot.Engine.Training;

/// <summary>
/// A resumable pretraining checkpoint: steps done, the shape it was made for, every weight, every
/// optimizer moment and the loss history, written to a temporary file, flushed to disk and renamed
/// over the old one (a crash leaves either the old or the new checkpoint, never half of one).
/// </summary>
internal static class PretrainCheckpoint
{
    private const int Magic = 0x50544B31; // "PTK1"

    public static void Save(string path, int stepsDone, IReadOnlyList<float[]> parameters, IReadOnlyList<AdamW> opts,
        IReadOnlyList<double> losses, PretrainOptions o)
    {
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var w = new BinaryWriter(fs))
        {
            w.Write(Magic); w.Write(stepsDone); w.Write(o.Steps); w.Write(o.BatchSize); w.Write(o.SequenceLength); w.Write(o.Seed);
            w.Write(parameters.Count);
            foreach (var p in parameters)
            {
                w.Write(p.Length);
                w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.AsSpan()));
            }
            foreach (var opt in opts) opt.Save(w);
            w.Write(losses.Count);
            foreach (double l in losses) w.Write(l);
            w.Flush();
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Restores weights, moments and losses; returns the number of steps already done.</summary>
    public static int Load(string path, IReadOnlyList<float[]> parameters, IReadOnlyList<AdamW> opts, List<double> losses, PretrainOptions o)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        if (r.ReadInt32() != Magic) throw new InvalidDataException($"{path}: not a pretraining checkpoint");
        int done = r.ReadInt32(), steps = r.ReadInt32(), batch = r.ReadInt32(), seq = r.ReadInt32();
        ulong seed = r.ReadUInt64();
        if (steps != o.Steps || batch != o.BatchSize || seq != o.SequenceLength || seed != o.Seed)
            throw new InvalidDataException($"{path}: checkpoint of a run with {steps} steps of {batch}×{seq}, seed {seed}; this run asks for {o.Steps} steps of {o.BatchSize}×{o.SequenceLength}, seed {o.Seed}. Delete it to start over.");
        int count = r.ReadInt32();
        if (count != parameters.Count) throw new InvalidDataException($"{path}: checkpoint has {count} weight tensors, the model {parameters.Count}");
        foreach (var p in parameters)
        {
            int len = r.ReadInt32();
            if (len != p.Length) throw new InvalidDataException($"{path}: checkpoint tensor of {len} values where the model has {p.Length}");
            r.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.AsSpan()));
        }
        foreach (var opt in opts) opt.Load(r);
        int n = r.ReadInt32();
        for (int i = 0; i < n; i++) losses.Add(r.ReadDouble());
        return done;
    }
}
