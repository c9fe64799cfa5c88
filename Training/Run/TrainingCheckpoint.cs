using System.Text;
using RealtimeDenoise.IO;

namespace RealtimeDenoise.Training.Run;

/// <summary>
/// The complete state of a run: weights, Adam moments and step, generator state, position inside the
/// epoch (with its shuffled order), best-model snapshot and history. Restoring it and continuing gives
/// bit-identical results to an uninterrupted run. Written atomically (temp file, then rename).
/// </summary>
internal sealed class TrainingCheckpoint
{
    private const string Magic = "RTDCKP02";

    public required string Fingerprint { get; init; }
    public required int Epoch { get; init; }
    public required int NextBatch { get; init; }
    public required int[]? Order { get; init; }
    public required double[] EpochAccumulator { get; init; }
    public required long AdamStep { get; init; }
    public required ulong[] RandomState { get; init; }
    public required float[][] Parameters { get; init; }
    public required float[][] FirstMoment { get; init; }
    public required float[][] SecondMoment { get; init; }
    public required float[][]? BestParameters { get; init; }
    public required double BestValidationElbo { get; init; }
    public required int BestEpoch { get; init; }
    public required int EpochsSinceBest { get; init; }
    public required IReadOnlyList<EpochRecord> History { get; init; }

    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        AtomicFile.Write(full, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Encoding.ASCII.GetBytes(Magic));
            w.Write(Fingerprint);
            w.Write(Epoch); w.Write(NextBatch);
            WriteInts(w, Order);
            WriteDoubles(w, EpochAccumulator);
            w.Write(AdamStep);
            foreach (var s in RandomState) w.Write(s);
            WriteArrays(w, Parameters); WriteArrays(w, FirstMoment); WriteArrays(w, SecondMoment); WriteArrays(w, BestParameters);
            w.Write(BestValidationElbo); w.Write(BestEpoch); w.Write(EpochsSinceBest);
            w.Write(History.Count);
            foreach (var h in History)
            {
                w.Write(h.Epoch);
                w.Write(h.Train.Reconstruction); w.Write(h.Train.Kl); w.Write(h.Train.Frames);
                w.Write(h.Validation.Reconstruction); w.Write(h.Validation.Kl); w.Write(h.Validation.Frames);
                w.Write(h.Beta); w.Write(h.Seconds); w.Write(h.FramesPerSecond); w.Write(h.IsBest);
            }
        });
    }

    public static TrainingCheckpoint Load(string path)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (Encoding.ASCII.GetString(r.ReadBytes(Magic.Length)) != Magic) throw new InvalidDataException($"{path}: not a training checkpoint of this version.");
            string fingerprint = r.ReadString();
            int epoch = r.ReadInt32(), nextBatch = r.ReadInt32();
            var order = ReadInts(r);
            var acc = ReadDoubles(r)!;
            long step = r.ReadInt64();
            var state = new[] { r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64() };
            var p = ReadArrays(r)!; var m = ReadArrays(r)!; var v = ReadArrays(r)!; var best = ReadArrays(r);
            double bestElbo = r.ReadDouble(); int bestEpoch = r.ReadInt32(), since = r.ReadInt32();
            int count = r.ReadInt32();
            var history = new List<EpochRecord>(count);
            for (int i = 0; i < count; i++)
            {
                int e = r.ReadInt32();
                var train = new Model.LossTerms(r.ReadDouble(), r.ReadDouble(), r.ReadInt32());
                var val = new Model.LossTerms(r.ReadDouble(), r.ReadDouble(), r.ReadInt32());
                history.Add(new EpochRecord(e, train, val, r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadBoolean()));
            }
            return new TrainingCheckpoint
            {
                Fingerprint = fingerprint, Epoch = epoch, NextBatch = nextBatch, Order = order, EpochAccumulator = acc, AdamStep = step,
                RandomState = state, Parameters = p, FirstMoment = m, SecondMoment = v, BestParameters = best,
                BestValidationElbo = bestElbo, BestEpoch = bestEpoch, EpochsSinceBest = since, History = history,
            };
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: checkpoint is truncated.");
        }
    }

    private static void WriteInts(BinaryWriter w, int[]? a)
    {
        w.Write(a?.Length ?? -1);
        if (a is not null) foreach (var x in a) w.Write(x);
    }

    private static int[]? ReadInts(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0) return null;
        var a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.ReadInt32();
        return a;
    }

    private static void WriteDoubles(BinaryWriter w, double[] a)
    {
        w.Write(a.Length);
        foreach (var x in a) w.Write(x);
    }

    private static double[]? ReadDoubles(BinaryReader r)
    {
        int n = r.ReadInt32();
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.ReadDouble();
        return a;
    }

    private static void WriteArrays(BinaryWriter w, float[][]? arrays)
    {
        w.Write(arrays?.Length ?? -1);
        if (arrays is null) return;
        foreach (var a in arrays)
        {
            w.Write(a.Length);
            foreach (var x in a) w.Write(x);
        }
    }

    private static float[][]? ReadArrays(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0) return null;
        var arrays = new float[n][];
        for (int i = 0; i < n; i++)
        {
            var a = new float[r.ReadInt32()];
            for (int j = 0; j < a.Length; j++) a[j] = r.ReadSingle();
            arrays[i] = a;
        }
        return arrays;
    }
}
