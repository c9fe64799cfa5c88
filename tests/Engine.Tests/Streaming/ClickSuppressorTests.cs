using RealtimeDenoise.Engine.Tests.Dsp;
using RealtimeDenoise.Streaming;
using Xunit;
using static RealtimeDenoise.Engine.Tests.Enhancement.TestSignals;

namespace RealtimeDenoise.Engine.Tests.Streaming;

public class ClickSuppressorTests
{
    private const int Delay = 511; // the default STFT's latency
    private const int Block = 72;  // 4.5 ms at 16 kHz
    private const int Half = 5;

    /// <summary>
    /// Whole-signal reference written from the definition: block energies (of the pre-emphasised signal with one band,
    /// of each band with crossovers), the median of ±5 blocks (blocks before the first count as the first; the stream
    /// never looks past its delay), the gain, then linear interpolation between block centres; with crossovers each band
    /// of the output gets its own gain. The gate gets the signal as input and the same signal delayed as "output".
    /// </summary>
    private static float[] Reference(float[] x, float limitDb, float maxAttenuationDb, int delay = Delay, float[]? crossovers = null)
    {
        int blocks = x.Length / Block;
        float[][] measured, played;
        if (crossovers is { Length: > 0 })
        {
            // The splitter is tested on its own (BandSplitterTests); it is linear and time-invariant, so the bands of the
            // delayed output are the delayed bands of the input.
            played = DspTestKit.SplitIntoBands(x, SampleRate, crossovers);
            measured = played;
        }
        else
        {
            var emphasised = new float[x.Length];
            for (int n = 0; n < x.Length; n++) emphasised[n] = (float)(x[n] - 0.9 * (n > 0 ? x[n - 1] : 0));
            measured = [emphasised];
            played = [x];
        }
        double limit = Math.Pow(10, limitDb / 10), floor = Math.Pow(10, -maxAttenuationDb / 20);
        var y = new float[x.Length];
        for (int k = 0; k < measured.Length; k++)
        {
            var energy = new double[blocks];
            for (int n = 0; n < blocks * Block; n++) energy[n / Block] += (double)measured[k][n] * measured[k][n] / Block;
            var gain = new double[blocks];
            for (int b = 0; b < blocks; b++)
            {
                var window = new List<double>();
                for (int d = -Half; d <= Half; d++) window.Add(energy[Math.Clamp(b + d, 0, blocks - 1)]);
                window.Sort();
                double allowed = limit * window[Half];
                gain[b] = energy[b] > allowed ? Math.Max(floor, Math.Sqrt(allowed / energy[b])) : 1;
            }
            for (int t = 0; t < x.Length; t++)
            {
                int n = t - delay;
                if (n < 0) continue;
                int i = n / Block;
                double position = (n - i * Block + 0.5) / Block - 0.5;
                int other = position < 0 ? i - 1 : i + 1;
                double g = i < blocks ? gain[i] : 1;
                if (other >= 0) g = (1 - Math.Abs(position)) * g + Math.Abs(position) * (other < blocks ? gain[other] : 1);
                y[t] += (float)(played[k][n] * g);
            }
        }
        return y;
    }

    private static float[] Delayed(float[] x, int delay = Delay)
    {
        var y = new float[x.Length];
        Array.Copy(x, 0, y, delay, x.Length - delay);
        return y;
    }

    /// <summary>Runs the gate over <paramref name="x"/> (as input, and delayed as output) in blocks of random size.</summary>
    private static float[] Gate(float[] x, ClickSuppressor gate, int seed, int delay = Delay)
    {
        var y = Delayed(x, delay);
        var rng = new Random(seed);
        for (int done = 0; done < x.Length;)
        {
            int m = Math.Min(x.Length - done, rng.Next(1, 700));
            gate.Process(x.AsSpan(done, m), y.AsSpan(done, m));
            done += m;
        }
        return y;
    }

    /// <summary>Clicks (3 ms, peak 0.5) every 200 ms over white noise 44 dB below their peak.</summary>
    private static float[] ClicksOverNoise(int seconds) =>
        Add(WhiteNoise(seconds * SampleRate, 0.003f, seed: 1), Clicks(seconds * SampleRate, SampleRate / 5, 0.5f, seed: 2));

    /// <param name="delay">The default STFT's latency, and with 8 frames of lookahead (more gains known ahead).</param>
    /// <param name="bands">1: broadband; 2: split at 2 kHz; 3: split at 1 and 3 kHz.</param>
    [Theory]
    [InlineData(Delay, 1), InlineData(Delay + 8 * 128, 1), InlineData(Delay, 2), InlineData(Delay + 8 * 128, 3)]
    public void Streamed_InAnyBlockSize_EqualsTheWholeSignalReference(int delay, int bands)
    {
        float[]? crossovers = bands switch { 1 => null, 2 => [2000f], _ => [1000f, 3000f] };
        var x = Add(ClicksOverNoise(2), VoicedBursts(2 * SampleRate, 0.3f, seed: 3));
        var expected = Reference(x, 7f, 20f, delay, crossovers);
        var actual = Gate(x, new ClickSuppressor(SampleRate, delay, 7f, 20f, crossoversHz: crossovers), seed: 4, delay);
        // Compared up to the last sample whose window lies inside the signal (the reference clamps at the end, the stream does not know the end).
        int checkedSamples = x.Length - (Half + 2) * Block;
        for (int t = 0; t < checkedSamples; t++)
            Assert.True(Math.Abs(actual[t] - expected[t]) < 1e-5, $"sample {t}: {actual[t]} vs {expected[t]}");
        Assert.Contains(expected.Zip(Delayed(x, delay)), p => Math.Abs(p.First) < 0.5 * Math.Abs(p.Second)); // the gate did act
    }

    /// <summary>The whole-signal form (offline output aligned with its input) gates exactly as the reference does with no delay.</summary>
    [Theory]
    [InlineData(1), InlineData(2)]
    public void GateWhole_EqualsTheWholeSignalReference(int bands)
    {
        float[]? crossovers = bands == 1 ? null : [2000f];
        var x = Add(ClicksOverNoise(2), VoicedBursts(2 * SampleRate, 0.3f, seed: 17));
        var expected = Reference(x, 7f, 20f, delay: 0, crossovers);
        var actual = (float[])x.Clone();
        ClickSuppressor.GateWhole(x, actual, SampleRate, 7f, 20f, crossovers);
        int checkedSamples = x.Length - (Half + 2) * Block; // the reference clamps its window at the end, the stream sees zeros
        for (int t = 0; t < checkedSamples; t++)
            Assert.True(Math.Abs(actual[t] - expected[t]) < 1e-5, $"sample {t}: {actual[t]} vs {expected[t]}");
        Assert.Contains(Enumerable.Range(0, x.Length), t => Math.Abs(actual[t]) < 0.5 * Math.Abs(x[t])); // the gate did act
        Assert.All(actual, v => Assert.True(float.IsFinite(v)));
        Assert.Throws<ArgumentException>(() => ClickSuppressor.GateWhole(x, new float[x.Length - 1], SampleRate, 7f, 20f, crossovers));
        ClickSuppressor.GateWhole([], [], SampleRate, 7f, 20f, crossovers); // nothing to gate
        var shortInput = x[..100];
        var shortOutput = (float[])shortInput.Clone();
        ClickSuppressor.GateWhole(shortInput, shortOutput, SampleRate, 7f, 20f, crossovers); // shorter than the delay
        Assert.All(shortOutput, v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>
    /// A steady 200 Hz tone with clicks on it: the broadband gate takes the tone down with each click, the gate split at
    /// 2 kHz takes the click out of the high band and leaves the tone in the low one.
    /// </summary>
    [Fact]
    public void SplitAt2kHz_KeepsAToneUnderClicks_TheBroadbandGateDoesNot()
    {
        var tone = new float[2 * SampleRate];
        for (int i = 0; i < tone.Length; i++) tone[i] = 0.1f * MathF.Sin(2 * MathF.PI * 200 * i / SampleRate);
        var clicks = Clicks(tone.Length, SampleRate / 5, 0.5f, seed: 15);
        var x = Add(tone, clicks);
        var toneOut = Delayed(tone);
        var clicksOut = Delayed(clicks);
        var clicksHigh = DspTestKit.SplitIntoBands(clicks, SampleRate, [2000f])[1];
        (double ToneKept, double HighCutDb) Measure(float[]? crossovers)
        {
            var y = Gate(x, new ClickSuppressor(SampleRate, Delay, 7f, 20f, crossoversHz: crossovers), seed: 16);
            var yHigh = DspTestKit.SplitIntoBands(y, SampleRate, [2000f])[1]; // the tone has next to nothing above 2 kHz
            double toneEnergy = 0, toneOut = 0, highIn = 0, highOut = 0;
            for (int t = Delay + SampleRate / 5; t < x.Length; t++)
            {
                int phase = (t - Delay - SampleRate / 10) % (SampleRate / 5);
                if (phase is < 0 or >= 48) continue; // during the clicks only
                toneEnergy += tone[t - Delay] * tone[t - Delay];
                toneOut += y[t] * tone[t - Delay];
                highIn += clicksHigh[t - Delay] * clicksHigh[t - Delay];
                highOut += yHigh[t] * yHigh[t];
            }
            return (toneOut / toneEnergy, 10 * Math.Log10(highIn / highOut)); // the tone's share of the output, by projection
        }
        var (broadKept, broadCut) = Measure(null);
        var (splitKept, splitCut) = Measure([2000f]);
        // Measured: the tone's share of the output during the clicks 0.34 broadband, 0.85 split; the clicks' part above 2 kHz
        // 8.6 and 6.7 dB lower (the split's high band still holds the tone's leak, at −19 dB, so its median is higher).
        Assert.True(broadKept < 0.5, $"broadband gate kept {broadKept:F2} of the tone");
        Assert.True(splitKept > 0.75, $"split gate kept {splitKept:F2} of the tone");
        Assert.True(splitCut > 5 && broadCut > 5, $"clicks above 2 kHz {splitCut:F1} dB lower split, {broadCut:F1} dB broadband");
    }

    [Fact]
    public void Clicks_AreTurnedDown_AndSteadyNoiseAroundThemIsNot()
    {
        var x = ClicksOverNoise(2);
        var input = Delayed(x);
        var y = Gate(x, new ClickSuppressor(SampleRate, Delay, 7f, 20f), seed: 5);
        double clicksIn = 0, clicksOut = 0, restIn = 0, restOut = 0;
        for (int t = Delay; t < x.Length; t++)
        {
            int phase = (t - Delay - SampleRate / 10) % (SampleRate / 5);
            bool nearClick = phase is >= -Block and < 48 + Block;
            bool farFromClick = phase >= 48 + 4 * Block && phase < SampleRate / 5 - 4 * Block;
            if (nearClick) { clicksIn += input[t] * input[t]; clicksOut += y[t] * y[t]; }
            if (farFromClick) { restIn += input[t] * input[t]; restOut += y[t] * y[t]; }
        }
        // Measured: 10.9 dB lower (the gain is interpolated between 4.5 ms blocks, so a click's edges keep part of their level).
        Assert.True(10 * Math.Log10(clicksIn / clicksOut) > 8, $"clicks {10 * Math.Log10(clicksIn / clicksOut):F1} dB lower");
        Assert.Equal(restIn, restOut, 9);
    }

    /// <summary>
    /// Sound held longer than the window passes: its abrupt onsets (2 ms ramps) bit for bit, its abrupt ends within 3 dB
    /// (at an end the window's median is the weakest block of the sound, and this harmonic signal's pre-emphasised energy
    /// swings from block to block with its glottal-like pulses: measured at most 2.0 dB, over the last 16 ms).
    /// </summary>
    [Fact]
    public void SustainedSoundWithAbruptOnsetsAndEnds_PassesAlmostUnchanged()
    {
        const int cycle = 8000, on = 4000, ramp = 32, nearEnd = 384; // 250 ms on, 250 ms off
        var x = Add(WhiteNoise(2 * SampleRate, 0.001f, seed: 6), VoicedBursts(2 * SampleRate, 0.5f, seed: 7));
        for (int i = 0; i < x.Length; i++)
        {
            int t = i % cycle;
            x[i] *= t < on ? Math.Min(1f, Math.Min(t, on - t) / (float)ramp) : 0f;
        }
        var y = Gate(x, new ClickSuppressor(SampleRate, Delay, 7f, 20f), seed: 8);
        var input = Delayed(x);
        for (int t = Delay; t < x.Length; t++)
        {
            if (Math.Abs((t - Delay) % cycle - on) > nearEnd) Assert.Equal(input[t], y[t]);
            else Assert.InRange(Math.Abs(y[t]), 0.7f * Math.Abs(input[t]) - 1e-9f, Math.Abs(input[t]));
        }
    }

    [Fact]
    public void TooShortADelay_LeavesTheOutputAlone()
    {
        var gate = new ClickSuppressor(SampleRate, 127, 7f, 20f);
        Assert.False(gate.IsActive);
        var x = ClicksOverNoise(1);
        var y = (float[])x.Clone();
        gate.Process(x, y);
        Assert.Equal(x, y);
    }

    [Fact]
    public void LoudClicks_AreAttenuatedNoMoreThanTheFloor()
    {
        var x = Add(WhiteNoise(SampleRate, 0.0001f, seed: 9), Clicks(SampleRate, SampleRate / 5, 0.9f, seed: 10));
        var input = Delayed(x);
        var y = Gate(x, new ClickSuppressor(SampleRate, Delay, 7f, 12f), seed: 11);
        double floor = Math.Pow(10, -12 / 20.0);
        for (int t = 0; t < x.Length; t++)
            Assert.True(Math.Abs(y[t]) >= floor * Math.Abs(input[t]) - 1e-7, $"sample {t}: {y[t]} from {input[t]}");
        Assert.Contains(Enumerable.Range(0, x.Length), t => Math.Abs(y[t]) < 1.01 * floor * Math.Abs(input[t]) && Math.Abs(input[t]) > 0.1);
    }

    [Fact]
    public void Bypass_FadesTheGainToOne_AndReset_Replays()
    {
        var x = ClicksOverNoise(2);
        var input = Delayed(x);
        var gate = new ClickSuppressor(SampleRate, Delay, 7f, 20f, fadeSamples: 1024);
        var gated = Gate(x, gate, seed: 12);
        gate.Reset();
        Assert.Equal(gated, Gate(x, gate, seed: 13));

        gate.Reset();
        gate.Bypass = true; // on from the start: no gating at all
        Assert.Equal(input, Gate(x, gate, seed: 14));

        // Switched on mid-stream: unchanged before, between gated and ungated during the fade, ungated after it.
        gate.Bypass = false;
        gate.Reset();
        var y = Delayed(x);
        int half = SampleRate / 10 + 5 * (SampleRate / 5) + Delay - 300; // a click leaves 300 samples into the fade
        gate.Process(x.AsSpan(0, half), y.AsSpan(0, half));
        gate.Bypass = true;
        gate.Process(x.AsSpan(half), y.AsSpan(half));
        for (int t = 0; t < x.Length; t++)
        {
            if (t < half) Assert.Equal(gated[t], y[t]);
            else if (t >= half + 1024) Assert.Equal(input[t], y[t]);
            else Assert.InRange(Math.Abs(y[t]), Math.Abs(gated[t]) - 1e-7f, Math.Abs(input[t]) + 1e-7f);
        }
        Assert.Contains(Enumerable.Range(half, 1024), t => Math.Abs(gated[t]) < 0.5f * Math.Abs(input[t])); // a click falls in the fade
    }

    [Theory]
    [InlineData(0), InlineData(2)]
    public void Process_DoesNotAllocate(int crossovers)
    {
        var x = ClicksOverNoise(1);
        var y = new float[x.Length];
        var gate = new ClickSuppressor(SampleRate, Delay, 7f, 20f, crossoversHz: crossovers == 0 ? null : [1000f, 3000f]);
        Assert.Equal(0, AllocationProbe.SteadyStateBytes(() => gate.Process(x, y)));
    }

    [Theory]
    [InlineData(-1f), InlineData(float.NaN), InlineData(float.PositiveInfinity)]
    public void BadLimit_Throws(float limitDb) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClickSuppressor(SampleRate, Delay, limitDb, 20f));
}
