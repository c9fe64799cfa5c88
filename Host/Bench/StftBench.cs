using System.Diagnostics;
using System.Runtime.InteropServices;
using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Host.Bench;

/// <summary>
/// STFT → ISTFT round trips at 16 kHz on the calling thread (one core): streaming with several block sizes,
/// batch, and the bare real FFT. Reports the real-time factor, ns per frame and steady-state allocation.
/// </summary>
public sealed class StftBench : IBenchmarkSuite
{
    private const int SampleRate = 16000;

    public string Name => "stft";
    public string Description => "STFT/ISTFT round trip (streaming and batch) and real FFT speed, one core";

    public void Run(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        var budget = TimeSpan.FromSeconds(options.Quick ? 0.015 : 1.0);
        var signal = new float[SampleRate]; // one second of noise, replayed
        var rng = new Random(1);
        for (int i = 0; i < signal.Length; i++) signal[i] = (float)(rng.NextDouble() * 2 - 1) * 0.5f;

        foreach (var (fft, hop) in new[] { (512, 128), (1024, 256) })
        {
            var config = new StftConfig(fft, hop, SampleRate);
            foreach (int block in new[] { hop, 160, 1 })
            {
                cancellationToken.ThrowIfCancellationRequested();
                var stft = new StreamingStft(config);
                var output = new float[signal.Length];
                var m = Measure(budget, () =>
                {
                    for (int pos = 0; pos < signal.Length; pos += block)
                    {
                        int n = Math.Min(block, signal.Length - pos);
                        stft.Process(signal.AsSpan(pos, n), output.AsSpan(pos, n));
                    }
                });
                report.Add(Name, $"stream {fft}/{hop} block {block}", Metrics(m, signal.Length, (double)signal.Length / hop));
            }

            cancellationToken.ThrowIfCancellationRequested();
            var batch = new Stft(config);
            var bm = Measure(budget, () => batch.Synthesize(batch.Analyze(signal), signal.Length));
            report.Add(Name, $"batch {fft}/{hop}", Metrics(bm, signal.Length, batch.FrameCount(signal.Length)));
            var spec = new Spectrogram(batch.FrameCount(signal.Length), config.Bins);
            var resynthesised = new float[signal.Length];
            var pm = Measure(budget, () => { batch.Analyze(signal, spec); batch.Synthesize(spec, resynthesised); });
            report.Add(Name, $"batch {fft}/{hop} preallocated", Metrics(pm, signal.Length, batch.FrameCount(signal.Length)));
        }

        foreach (int size in new[] { 256, 512, 1024, 2048, 4096 })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fft = new RealFft(size);
            var x = signal.AsSpan(0, size).ToArray();
            var re = new float[fft.Bins];
            var im = new float[fft.Bins];
            var y = new float[size];
            const int reps = 64;
            var m = Measure(budget, () =>
            {
                for (int r = 0; r < reps; r++) { fft.Forward(x, re, im); fft.Inverse(re, im, y); }
            });
            report.Add(Name, $"fft {size} fwd+inv", new Dictionary<string, double>
            {
                ["ns_per_frame"] = m.BestSeconds / reps * 1e9,
                ["alloc_B_per_s"] = m.AllocatedBytes / m.TotalSeconds,
            });
        }
        report.Notes.Add("stft: x_realtime = seconds of 16 kHz audio processed per second on one core, fastest of " + Rounds + " rounds (x_realtime_median: median round), timed on " + (ThreadClock.IsCpuTime ? "the thread's CPU clock" : "the wall clock") + "; a frame is one hop (analysis + inverse FFT + overlap-add); streaming alloc_B_per_s must be 0.");
    }

    private static Dictionary<string, double> Metrics(Measurement m, int samplesPerIteration, double framesPerIteration) => new()
    {
        ["x_realtime"] = samplesPerIteration / (double)SampleRate / m.BestSeconds,
        ["x_realtime_median"] = samplesPerIteration / (double)SampleRate / m.MedianSeconds,
        ["ns_per_frame"] = m.BestSeconds / framesPerIteration * 1e9,
        ["alloc_B_per_s"] = m.AllocatedBytes / m.TotalSeconds,
    };

    /// <summary>Seconds per iteration of the fastest and the median round (on <see cref="ThreadClock"/>), and what all rounds allocated.</summary>
    private readonly record struct Measurement(double BestSeconds, double MedianSeconds, double TotalSeconds, long AllocatedBytes);

    private const int Rounds = 15;

    /// <summary>
    /// Warms up (JIT tiers), then runs <see cref="Rounds"/> timed rounds of repeated <paramref name="body"/> calls.
    /// Rounds are timed on the thread's CPU clock where there is one, so time the thread spends waiting for a core
    /// (other processes on a shared machine) does not count; the fastest round is the least disturbed.
    /// </summary>
    private static Measurement Measure(TimeSpan budget, Action body)
    {
        ThreadClock.Seconds(); // initialise the clock (P/Invoke stub) outside the measured region
        long warmEnd = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds / 3 * Stopwatch.Frequency);
        int perRound = 0;
        long warmStart = Stopwatch.GetTimestamp();
        do { body(); perRound++; } while (Stopwatch.GetTimestamp() < warmEnd);
        // Size rounds so that all of them together take about the budget.
        double secondsPerCall = Stopwatch.GetElapsedTime(warmStart).TotalSeconds / perRound;
        perRound = Math.Max(1, (int)(budget.TotalSeconds / Rounds / secondsPerCall));

        Span<double> perCall = stackalloc double[Rounds];
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long begin = Stopwatch.GetTimestamp();
        for (int r = 0; r < Rounds; r++)
        {
            double t0 = ThreadClock.Seconds();
            for (int i = 0; i < perRound; i++) body();
            perCall[r] = (ThreadClock.Seconds() - t0) / perRound;
        }
        double total = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        perCall.Sort();
        return new Measurement(perCall[0], perCall[Rounds / 2], total, allocated);
    }

    /// <summary>CPU time of the calling thread (Linux, 64-bit: clock_gettime(CLOCK_THREAD_CPUTIME_ID)); wall time elsewhere.</summary>
    internal static class ThreadClock
    {
        public static readonly bool IsCpuTime = OperatingSystem.IsLinux() && Environment.Is64BitProcess && Probe();

        public static double Seconds()
        {
            if (IsCpuTime && clock_gettime(ClockThreadCpuTime, out var ts) == 0) return ts.Seconds + ts.Nanoseconds * 1e-9;
            return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        }

        private const int ClockThreadCpuTime = 3;

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec { public long Seconds; public long Nanoseconds; }

        [DllImport("libc", EntryPoint = "clock_gettime")]
        private static extern int clock_gettime(int clock, out TimeSpec time);

        private static bool Probe()
        {
            try { return clock_gettime(ClockThreadCpuTime, out _) == 0; }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
        }
    }
}
