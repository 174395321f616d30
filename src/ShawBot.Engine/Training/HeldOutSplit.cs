namespace ShawBot.Engine.Training;

/// <summary>Which lines of a seed file to use.</summary>
public enum DataPart { All, Train, HeldOut }

/// <summary>
/// The fixed held-out split of data/seed-replies.jsonl (data/README.md): line n (1-based) is held
/// out when n is a multiple of 10 — lines 10, 20, …, 330, 33 of 337. Adapter training (the
/// service's retrain, <c>shawbot train --split train</c>) and voice memory never use them, and an
/// embedded model's pretraining must not either, so their loss measures replies to unseen comments.
/// The file's lines are shuffled with a fixed seed, so every tenth line is a mixed sample.
/// </summary>
public static class HeldOutSplit
{
    public const int Every = 10;

    public static bool IsHeldOut(int lineNumber) => lineNumber % Every == 0;

    /// <summary>
    /// The file's examples of <paramref name="part"/>. A blank line would shift every later line
    /// number, so a file with one is refused (naming the line) unless all lines are asked for.
    /// </summary>
    public static List<ReplyExample> Load(string path, DataPart part)
    {
        var all = ReplyDataset.LoadJsonl(path);
        if (part == DataPart.All) return all;
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
                throw new InvalidDataException($"{path}:{lineNo}: blank line; the held-out split counts lines, so remove it");
        }
        return [.. all.Where((_, i) => IsHeldOut(i + 1) == (part == DataPart.HeldOut))];
    }
}
