using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using RealtimeDenoise.Audio;
using RealtimeDenoise.Host.Pipeline;
using RealtimeDenoise.Metrics;
using RealtimeDenoise.Models;
using Xunit.Abstractions;

namespace RealtimeDenoise.Host.Tests;

/// <summary>
/// `rtdenoise live` on real (virtual) audio devices. A private PulseAudio server has one stereo null sink
/// whose two channels serve as sink A (left) and sink B (right) through remap sinks: paplay plays a
/// noisy recording into A; `rtdenoise live` (the real executable) captures A (a remap source over the
/// left channel of the monitor) and plays into B; one parec records the monitor. Reference and output
/// thus come from one stream on one clock, which makes the end-to-end delay measurable by
/// cross-correlation. Asserts: the output is the enhanced input (SI-SDR improvement against the clean
/// speech; until the enhancer exists, `--passthrough`, where the output must match the input), the
/// measured delay is within 50 ms of what `live` reports, and there were no xruns in the 20-second run.
/// </summary>
[Collection("Console")]
public class LiveEndToEndTests(ITestOutputHelper log)
{
    private const int Rate = 16000;
    private const double Seconds = 20;

    [Fact]
    public void Live_OnPulseAudioNullSinks_IsDelayedAsReported_WithoutXruns_AndCleansTheSpeech()
    {
        string work = TestAudio.TempDir("live");
        try
        {
            var (noisy, clean) = BuildTestSignal();
            string noisyPath = Path.Combine(work, "noisy.wav");
            WaveFileWriter.WriteAll(noisyPath, noisy, WaveFormat.Float32(Rate, 1));

            using var pulse = new PulseAudioServer([
                $"module-null-sink sink_name=rtd_mix rate={Rate} channels=2 channel_map=front-left,front-right format=float32le",
                "module-remap-sink sink_name=rtd_a master=rtd_mix channels=1 channel_map=mono master_channel_map=front-left remix=no",
                "module-remap-sink sink_name=rtd_b master=rtd_mix channels=1 channel_map=mono master_channel_map=front-right remix=no",
                "module-remap-source source_name=rtd_a_src master=rtd_mix.monitor channels=1 channel_map=mono master_channel_map=front-left remix=no",
            ]);
            string raw = Path.Combine(work, "mix.raw");
            var parec = pulse.Start("parec", ["-d", "rtd_mix.monitor", $"--rate={Rate}", "--channels=2", "--format=float32le", "--raw", raw]);

            string rtdenoise = typeof(Program).Assembly.Location;
            var liveArgs = new List<string> { "exec", rtdenoise, "live", "--duration", (Seconds + 4).ToString(CultureInfo.InvariantCulture),
                "--latency", "60", "--safety-ms", "120" }; // generous: the test machine is shared and heavily loaded
            var live = pulse.Start("dotnet", liveArgs, redirect: true, env: new Dictionary<string, string>
            {
                ["PULSE_SOURCE"] = "rtd_a_src", ["PULSE_SINK"] = "rtd_b",
                ["RTDENOISE_ORT_LIBRARY"] = Environment.GetEnvironmentVariable("RTDENOISE_ORT_LIBRARY") ?? "",
            });
            var stderr = new StringBuilder();
            var started = new ManualResetEventSlim();
            live.ErrorDataReceived += (_, e) => { if (e.Data is null) return; lock (stderr) stderr.AppendLine(e.Data); if (Regex.IsMatch(e.Data, @"live: t=.* frames=[1-9]")) started.Set(); }; // capture is flowing
            live.BeginErrorReadLine();
            live.BeginOutputReadLine();
            Assert.True(started.Wait(TimeSpan.FromSeconds(20)) || live.HasExited, "live did not start within 20 s");
            Assert.False(live.HasExited, $"live exited early:\n{stderr}");

            var paplay = pulse.Start("paplay", ["-d", "rtd_a", noisyPath], redirect: true);
            Assert.True(paplay.WaitForExit(TimeSpan.FromSeconds(Seconds + 10)), "paplay did not finish");
            Assert.Equal(0, paplay.ExitCode);
            Assert.True(live.WaitForExit(TimeSpan.FromSeconds(15)), $"live did not stop by itself:\n{stderr}");
            live.WaitForExit();
            parec.Kill();
            parec.WaitForExit();
            string text;
            lock (stderr) text = stderr.ToString();
            log.WriteLine(text);
            Assert.Equal(0, live.ExitCode);

            double reportedMs = double.Parse(Regex.Match(text, @"latency_ms=([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
            int xruns = int.Parse(Regex.Match(text, @"stopped after .*xruns=(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
            double cpu = double.Parse(Regex.Match(text, @"worker_cpu=([0-9.]+)%").Groups[1].Value, CultureInfo.InvariantCulture);

            if (Environment.GetEnvironmentVariable("RTDENOISE_KEEP_LIVE_RECORDING") is { Length: > 0 } keep) File.Copy(raw, keep, overwrite: true);
            var (left, right) = ReadStereo(raw);
            // Where the played file sits in the recording (parec started first), then the live delay.
            // The null sink records exact silence before paplay starts: the first sound is a coarse start, refined by correlation.
            int coarse = FirstSound(left) - FirstSound(noisy);
            int start = coarse + SignalAlignment.EstimateLag(noisy.AsSpan(0, Rate * 2), left.AsSpan(Math.Max(coarse, 0), Rate * 2), maxLagSamples: 400);
            // Once in CI the recording began 185 samples into the played file (start −185): the monitor only delivered
            // audio from then on. A head that short is dropped from the reference signals instead of failing the run.
            if (start is < 0 and > -Rate / 10)
            {
                noisy = noisy[-start..];
                clean = clean[-start..];
                start = 0;
            }
            Assert.True(start >= 0 && left.Length >= start + noisy.Length, $"the recording does not hold the played file (start {start}, {left.Length} samples)");
            var played = left.AsSpan(start, noisy.Length).ToArray();
            int excerpt = Rate * 5, from = Rate * 5;
            int lag = SignalAlignment.EstimateLag(played.AsSpan(from, excerpt), right.AsSpan(start + from, excerpt), maxLagSamples: Rate / 2);
            double measuredMs = lag * 1000.0 / Rate;
            // The device runs at its own rate (44.1/48 kHz), so the delay at 16 kHz is fractional: align to a
            // quarter sample (at 64 kHz) before scoring, or the sub-sample offset alone caps SI-SDR near 12 dB.
            var output = FineAlign(played, right.AsSpan(start + lag - 8, noisy.Length + 16).ToArray(), out double fraction);
            measuredMs += fraction * 1000.0 / Rate;
            log.WriteLine($"reported {reportedMs:0.0} ms, measured {measuredMs:0.0} ms, xruns {xruns}, worker cpu {cpu:0.0}%");

            Assert.True(Math.Abs(measuredMs - reportedMs) <= 50, $"measured delay {measuredMs:0.0} ms vs reported {reportedMs:0.0} ms");
            Assert.Equal(0, xruns);
            double improvement = SiSdr.Improvement(clean, output, played);
            // Scored again in 5 s pieces, each aligned on its own, and judged by their median: the delay is not one constant
            // over the run. In 1 s pieces the first second of sound came out 110 ms earlier than the rest (lag 3197 against
            // 4957 samples; the stream's start-up), and runs measure the delay 10 ms apart, so one lag for the whole signal
            // misaligns part of it: the whole-signal score was 1.0 dB once in CI, −8.9 dB once here on the previous commit,
            // 2.2–2.8 dB in other runs; the pieces measured −3.4 to −0.9 (the first, with the start-up shift), 4.0–4.9, −0.9 to
            // 1.4 and 2.2–3.6 dB (the streaming enhancer on the same signal as a file: 7.9, 4.4, 1.3 and 3.1 dB).
            var pieces = new List<double>();
            for (int piece = 0; piece + excerpt <= noisy.Length; piece += excerpt)
            {
                int pieceLag = SignalAlignment.EstimateLag(played.AsSpan(piece, excerpt), right.AsSpan(start + piece, excerpt), maxLagSamples: Rate / 2);
                int at = start + piece + pieceLag - 8;
                if (at < 0 || at + excerpt + 16 > right.Length) continue;
                var pieceOut = FineAlign(played.AsSpan(piece, excerpt).ToArray(), right.AsSpan(at, excerpt + 16).ToArray(), out _);
                pieces.Add(SiSdr.Improvement(clean.AsSpan(piece, excerpt), pieceOut, played.AsSpan(piece, excerpt)));
            }
            Assert.True(pieces.Count >= 3, $"only {pieces.Count} 5 s pieces of the output could be aligned");
            double median = pieces.Order().ElementAt(pieces.Count / 2);
            log.WriteLine($"SI-SDR improvement {improvement:0.0} dB; per 5 s piece {string.Join(" ", pieces.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))} dB");
            // "Clearly positive": measured 2.5–3.4 dB here over the whole signal, once 1.4 dB on the loaded 2-core CI machine
            // (CI running the other test projects at the same time); the same signal through the file pipeline (no second
            // resampling by the audio server) gains about 3.4 dB. Passthrough would score 0 dB.
            Assert.True(median > 1.0, $"SI-SDR improvement {improvement:0.0} dB over the whole signal, median {median:0.0} dB over 5 s pieces (the live output should be the enhanced speech)");
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>
    /// SIGTERM stops `live` with exit code 0 within a second and both --record files are complete WAVs;
    /// --virtual-mic loads its PulseAudio modules and removes them again on exit.
    /// </summary>
    [Fact]
    public void Live_StopsOnSigterm_WithinASecond_FlushingRecordings_AndRemovingTheVirtualMic()
    {
        string work = TestAudio.TempDir("sigterm");
        try
        {
            using var pulse = new PulseAudioServer([$"module-null-sink sink_name=rtd_src rate={Rate}"]);
            string rin = Path.Combine(work, "in.wav"), rout = Path.Combine(work, "out.wav");
            var live = pulse.Start("dotnet", ["exec", typeof(Program).Assembly.Location, "live", "--passthrough", "--virtual-mic", "--latency", "60",
                "--record", $"{rin},{rout}"], redirect: true, env: new Dictionary<string, string> { ["PULSE_SOURCE"] = "rtd_src.monitor" });
            var stderr = new StringBuilder();
            var running = new ManualResetEventSlim();
            live.ErrorDataReceived += (_, e) => { if (e.Data is null) return; lock (stderr) stderr.AppendLine(e.Data); if (Regex.IsMatch(e.Data, @"live: t=.* frames=[1-9]")) running.Set(); };
            live.BeginErrorReadLine();
            live.BeginOutputReadLine();
            Assert.True(running.Wait(TimeSpan.FromSeconds(20)), $"live did not run:\n{stderr}");
            Assert.Contains("rtdenoise_mic", Pactl(pulse, "list", "short", "sources"));

            var clock = Stopwatch.StartNew();
            Assert.Equal(0, Kill(live.Id, 15));
            Assert.True(live.WaitForExit(TimeSpan.FromSeconds(5)), "live did not exit after SIGTERM");
            live.WaitForExit();
            double stopSeconds = clock.Elapsed.TotalSeconds;
            log.WriteLine($"{stderr}\nstopped {stopSeconds:0.000} s after SIGTERM");
            Assert.Equal(0, live.ExitCode);
            Assert.True(stopSeconds < 1.0, $"took {stopSeconds:0.00} s to stop");
            using (var a = new WaveFileReader(rin)) Assert.True(a.TotalFrames > 0);
            using (var b = new WaveFileReader(rout)) Assert.True(b.TotalFrames > 0);
            Assert.DoesNotContain("rtdenoise_mic", Pactl(pulse, "list", "short", "modules") + Pactl(pulse, "list", "short", "sources"));
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>No audio server: a clear message and exit code 3 (device error), quickly, never a hang.</summary>
    [Fact]
    public async Task Live_WithoutAnAudioServer_FailsClearly()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", typeof(Program).Assembly.Location, "live", "--passthrough", "--duration", "3" }) psi.ArgumentList.Add(a);
        psi.Environment["PULSE_SERVER"] = "unix:/nonexistent/rtdenoise-test/native";
        using var p = Process.Start(psi)!;
        var reading = p.StandardError.ReadToEndAsync();
        bool exited = p.WaitForExit(TimeSpan.FromSeconds(30));
        if (!exited) p.Kill(entireProcessTree: true);
        Assert.True(exited, "live hung without an audio server");
        string err = await reading;
        log.WriteLine(err);
        Assert.Equal(3, p.ExitCode);
        Assert.Contains("audio device error", err);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    private static string Pactl(PulseAudioServer pulse, params string[] args)
    {
        var p = pulse.Start("pactl", args, redirect: true);
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    /// <summary>
    /// Finds <paramref name="reference"/> in <paramref name="padded"/> (which starts about 8 samples early) to a
    /// quarter sample: both are upsampled ×4 (band-limited, aligned), correlated, and the matching part of
    /// the upsampled estimate is returned together with the reference at 64 kHz... downsampled back to 16 kHz.
    /// </summary>
    private static float[] FineAlign(float[] reference, float[] padded, out double fractionOfSample)
    {
        const int up = 4;
        var r4 = Resampler.ResampleAligned(reference, Rate, Rate * up);
        var p4 = Resampler.ResampleAligned(padded, Rate, Rate * up);
        int lag4 = SignalAlignment.EstimateLag(r4, p4.AsSpan(0, r4.Length + 16 * up), maxLagSamples: 16 * up);
        // padded[0] is 8 samples before the coarse position; lag4 counts from there at 64 kHz.
        var aligned4 = p4.AsSpan(lag4, r4.Length).ToArray();
        fractionOfSample = lag4 / (double)up - 8;
        var back = Resampler.ResampleAligned(aligned4, Rate * up, Rate);
        return back.AsSpan(0, reference.Length).ToArray();
    }

    private static int FirstSound(ReadOnlySpan<float> x)
    {
        for (int i = 0; i < x.Length; i++) if (Math.Abs(x[i]) > 1e-3f) return i;
        throw new InvalidOperationException("no sound in the recording");
    }

    /// <summary>
    /// Consecutive dev-test pairs whose noise is stationary-like (rain, wind, road, laundry room): the kind of
    /// steady background a desk microphone picks up and the NMF noise model tracks. Babble and typing are
    /// left out on purpose: the unsupervised speech prior explains babble as speech (see the eval figures),
    /// and this test is about the live path delivering the enhancer's output, not about its hardest cases.
    /// </summary>
    private static (float[] Noisy, float[] Clean) BuildTestSignal()
    {
        string[] stationary = ["light_rain", "wind_in_trees", "road", "laundry_room"];
        string dev = FindSharedDevTest();
        var noisy = new List<float>();
        var clean = new List<float>();
        foreach (var line in File.ReadLines(Path.Combine(dev, "list.csv")).Skip(1))
        {
            var f = line.Split(',');
            if (!stationary.Contains(f[3])) continue;
            var c = WaveFileReader.ReadMono(Path.Combine(dev, f[1]), out int rc);
            var n = WaveFileReader.ReadMono(Path.Combine(dev, f[2]), out int rn);
            Assert.Equal(Rate, rc);
            Assert.Equal(Rate, rn);
            int len = Math.Min(c.Length, n.Length);
            clean.AddRange(c.Take(len));
            noisy.AddRange(n.Take(len));
            if (noisy.Count >= Rate * Seconds) break;
        }
        int total = (int)(Rate * Seconds);
        Assert.True(noisy.Count >= total, "dev-test holds too little stationary-noise audio for the live test");
        return (noisy.Take(total).ToArray(), clean.Take(total).ToArray());
    }

    internal static string FindSharedDevTest()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(d.FullName, "shared", "data", "dev-test"), Path.Combine(d.FullName, "..", "shared", "data", "dev-test") })
                if (File.Exists(Path.Combine(candidate, "list.csv"))) return Path.GetFullPath(candidate);
        }
        throw new DirectoryNotFoundException("shared/data/dev-test not found next to the repository");
    }

    private static (float[] Left, float[] Right) ReadStereo(string raw)
    {
        var bytes = File.ReadAllBytes(raw);
        int frames = bytes.Length / 8;
        var all = new float[frames * 2];
        Buffer.BlockCopy(bytes, 0, all, 0, frames * 8);
        var l = new float[frames];
        var r = new float[frames];
        for (int i = 0; i < frames; i++) { l[i] = all[2 * i]; r[i] = all[2 * i + 1]; }
        return (l, r);
    }
}
