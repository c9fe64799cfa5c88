using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RealtimeDenoise.Streaming;
using static RealtimeDenoise.Host.Audio.PortAudioNative;

namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// Stream settings for <see cref="LiveEngine"/>. Input and output are separate streams, so the two
/// devices may run at different native rates (and clocks); sizes are in frames of the named side.
/// </summary>
public sealed record LiveEngineOptions(
    AudioDevice Input,
    AudioDevice Output,
    int InputRate,
    int OutputRate,
    int FramesPerBuffer,
    double SuggestedLatencySeconds,
    int WorkerBlock,
    int SafetySamples,
    TimeSpan StartTimeout);

/// <summary>End-to-end latency budget of a running stream, in seconds.</summary>
public sealed record LiveLatency(double DeviceInput, double DeviceOutput, double Buffering, double Algorithmic)
{
    public double Total => DeviceInput + DeviceOutput + Buffering + Algorithmic;
}

/// <summary>
/// Live processing with one capture and one playback stream. The PortAudio callbacks only move samples
/// between the devices and two preallocated lock-free rings (no allocation, lock, logging or exception);
/// a dedicated worker thread converts to the processor's rate, runs the <see cref="IStreamProcessor"/>
/// and converts to the output rate. The samples in flight between the two callbacks are held at a fixed
/// target (one device buffer, one worker block and a safety margin), so the buffering delay is constant;
/// under-runs and over-runs (and drift between two device clocks) are counted and the target is
/// restored by dropping input or inserting silence.
/// </summary>
public sealed unsafe class LiveEngine : IDisposable
{
    private const int CallbackScratch = 8192;

    private readonly LiveEngineOptions _o;
    private readonly IStreamProcessor _processor;
    private readonly IRateConverter _toModel, _fromModel;
    private readonly SpscRing _in, _out;
    private readonly SpscRing? _recordIn, _recordOut;
    private readonly float[] _callbackScratch = new float[CallbackScratch];
    private readonly int _outChannels;
    private readonly double _targetInFlight; // in output frames
    private readonly double _outPerIn;
    private GCHandle _self;
    private nint _inStream, _outStream;
    private Thread? _worker;
    private volatile bool _stopWorker;
    private volatile bool _bypass;
    private volatile bool _primed;
    private volatile bool _stopping;
    private long _processedFrames;
    private bool _disposed;

    private long _inCallbacks, _outCallbacks, _framesIn;
    private long _missingOutFrames, _droppedInFrames; // what ring under/over-runs cost, for the worker to repay
    private long _deviceInputOverflows, _deviceOutputUnderflows, _ringOverruns, _ringUnderruns, _resyncs, _startupXruns;
    private double _workerLoad;

    public LiveEngine(LiveEngineOptions options, IStreamProcessor processor, IRateConverter toModel, IRateConverter fromModel,
        SpscRing? recordIn = null, SpscRing? recordOut = null)
    {
        if (toModel.InputRate != options.InputRate || toModel.OutputRate != processor.SampleRate ||
            fromModel.InputRate != processor.SampleRate || fromModel.OutputRate != options.OutputRate)
            throw new ArgumentException("rate converters do not match the device and processor rates");
        _o = options;
        _processor = processor;
        _toModel = toModel;
        _fromModel = fromModel;
        _recordIn = recordIn;
        _recordOut = recordOut;
        _outChannels = Math.Clamp(options.Output.MaxOutputChannels, 1, 2);
        _outPerIn = options.OutputRate / (double)options.InputRate;
        _targetInFlight = options.FramesPerBuffer * (1 + _outPerIn) + options.WorkerBlock * _outPerIn + options.SafetySamples;
        int ringSize = 4 * ((int)Math.Ceiling(_targetInFlight * Math.Max(1, 1 / _outPerIn)) + CallbackScratch);
        _in = new SpscRing(ringSize);
        _out = new SpscRing(ringSize);
        InputMeter = new LevelMeter();
        OutputMeter = new LevelMeter();
    }

    public LevelMeter InputMeter { get; }
    public LevelMeter OutputMeter { get; }

    /// <summary>Bypass requested by the UI; applied by the worker before the next block.</summary>
    public bool Bypass { get => _bypass; set => _bypass = value; }

    /// <summary>Capture and playback callbacks so far (a watchdog sees a device that stopped).</summary>
    public long Callbacks => Interlocked.Read(ref _inCallbacks) + Interlocked.Read(ref _outCallbacks);
    public long InputCallbacks => Interlocked.Read(ref _inCallbacks);
    public long OutputCallbacks => Interlocked.Read(ref _outCallbacks);
    public long FramesIn => Interlocked.Read(ref _framesIn);

    /// <summary>Over-runs and under-runs: reported by the devices (status flags) and seen at the rings.</summary>
    public long Xruns => Interlocked.Read(ref _deviceInputOverflows) + Interlocked.Read(ref _deviceOutputUnderflows)
        + Interlocked.Read(ref _ringOverruns) + Interlocked.Read(ref _ringUnderruns);

    public string XrunDetail =>
        $"device in-overflow {Interlocked.Read(ref _deviceInputOverflows)}, device out-underflow {Interlocked.Read(ref _deviceOutputUnderflows)}, " +
        $"ring overrun {Interlocked.Read(ref _ringOverruns)}, ring underrun {Interlocked.Read(ref _ringUnderruns)}, resyncs {Interlocked.Read(ref _resyncs)}; " +
        $"{Interlocked.Read(ref _startupXruns)} more during start-up";

    /// <summary>Worker time per block over block duration (exponential average).</summary>
    public double WorkerLoad => Volatile.Read(ref _workerLoad);

    /// <summary>Set when the worker failed; the output then plays silence.</summary>
    public Exception? WorkerError { get; private set; }

    public LiveLatency Latency { get; private set; } = new(0, 0, 0, 0);

    /// <summary>Opens and starts both streams; throws <see cref="AudioDeviceException"/> with a readable reason, never hangs past the start timeout.</summary>
    public void Start()
    {
        if (_inStream != 0 || _outStream != 0) throw new InvalidOperationException("already started");
        _self = GCHandle.Alloc(this);
        WarmUpCallbacks();
        try { WarmUpWorker(); }
        catch (Exception e) { WorkerError = e; } // reported as a processing failure, like one while running
        _out.WriteSilence((int)Math.Round(_targetInFlight)); // the buffering delay: constant from here on
        if (WorkerError is null)
        {
            _worker = new Thread(WorkerLoop) { Name = "rtdenoise-worker", IsBackground = true, Priority = ThreadPriority.Highest };
            _worker.Start();
        }

        var open = Task.Run(OpenAndStart);
        if (!open.Wait(_o.StartTimeout))
            throw new AudioDeviceException($"the audio devices did not start within {_o.StartTimeout.TotalSeconds:0.#} s (is the audio server responding?)");
        if (open.Exception is { } ex) throw ex.InnerException ?? ex;

        var inInfo = Pa_GetStreamInfo(_inStream);
        var outInfo = Pa_GetStreamInfo(_outStream);
        double algorithmic = _processor.LatencySamples / (double)_processor.SampleRate
            + _toModel.DelayOutputSamples / _toModel.OutputRate + _fromModel.DelayOutputSamples / _fromModel.OutputRate;
        Latency = new LiveLatency(inInfo is null ? 0 : inInfo->InputLatency, outInfo is null ? 0 : outInfo->OutputLatency,
            _targetInFlight / _o.OutputRate, algorithmic);
    }

    /// <summary>
    /// Runs both callbacks once on scratch buffers so they are compiled before the first real callback
    /// (JIT on the audio thread would cost the first buffers), then undoes their effects.
    /// </summary>
    private void WarmUpCallbacks()
    {
        var scratch = new float[256 * _outChannels];
        fixed (float* p = scratch)
        {
            OnInput(p, 256, 0);
            OnOutput(p, 256, 0);
        }
        _in.Skip(_in.Count);
        _out.Skip(_out.Count);
        _inCallbacks = _outCallbacks = _framesIn = _startupXruns = 0;
        InputMeter.TakeDb();
        OutputMeter.TakeDb();
    }

    private void OpenAndStart()
    {
        nint self = GCHandle.ToIntPtr(_self);
        var inParams = new PaStreamParameters
        {
            Device = _o.Input.Index, ChannelCount = 1, SampleFormat = (nuint)SampleFormatFloat32,
            SuggestedLatency = _o.SuggestedLatencySeconds > 0 ? _o.SuggestedLatencySeconds : _o.Input.DefaultLowInputLatency,
        };
        var outParams = new PaStreamParameters
        {
            Device = _o.Output.Index, ChannelCount = _outChannels, SampleFormat = (nuint)SampleFormatFloat32,
            SuggestedLatency = _o.SuggestedLatencySeconds > 0 ? _o.SuggestedLatencySeconds : _o.Output.DefaultLowOutputLatency,
        };
        int framesOut = (int)Math.Round(_o.FramesPerBuffer * _outPerIn);
        if (IsFormatSupported(inParams, null, _o.InputRate) is var e1 and not 0)
            throw new AudioDeviceException($"input '{_o.Input.Name}' refuses mono float at {_o.InputRate} Hz: {ErrorText(e1)}");
        if (IsFormatSupported(null, outParams, _o.OutputRate) is var e2 and not 0)
            throw new AudioDeviceException($"output '{_o.Output.Name}' refuses {_outChannels}-channel float at {_o.OutputRate} Hz: {ErrorText(e2)}");

        var (err, inStream) = NativeProcess.WithSilencedStderr(() => Open(inParams, null, _o.InputRate, _o.FramesPerBuffer, self));
        if (err != 0) throw new AudioDeviceException($"cannot open input '{_o.Input.Name}' at {_o.InputRate} Hz: {ErrorText(err)}");
        _inStream = inStream;
        (err, var outStream) = NativeProcess.WithSilencedStderr(() => Open(null, outParams, _o.OutputRate, framesOut, self));
        if (err != 0) throw new AudioDeviceException($"cannot open output '{_o.Output.Name}' at {_o.OutputRate} Hz: {ErrorText(err)}");
        _outStream = outStream;
        // ALSA (incl. its PulseAudio plugin): ask for a real-time callback thread; ignored where not permitted.
        if (RealtimeThreads && string.Equals(_o.Input.HostApiName, "ALSA", StringComparison.Ordinal)) TryRealtime(_inStream);
        if (RealtimeThreads && string.Equals(_o.Output.HostApiName, "ALSA", StringComparison.Ordinal)) TryRealtime(_outStream);
        // Output first: it plays the primed silence while capture starts filling.
        if ((err = Pa_StartStream(_outStream)) != 0) throw new AudioDeviceException($"cannot start output '{_o.Output.Name}': {ErrorText(err)}");
        if ((err = Pa_StartStream(_inStream)) != 0) throw new AudioDeviceException($"cannot start input '{_o.Input.Name}': {ErrorText(err)}");
    }

    /// <summary>
    /// Opt-in (RTDENOISE_REALTIME=1): SCHED_FIFO callback threads through ALSA. Off by default: with the
    /// PulseAudio plugin under heavy load it produced more device under-runs here (it competes with the
    /// server's own threads), not fewer.
    /// </summary>
    private static bool RealtimeThreads => Environment.GetEnvironmentVariable("RTDENOISE_REALTIME") == "1";

    private static void TryRealtime(nint stream)
    {
        try { PaAlsa_EnableRealtimeScheduling(stream, 1); }
        catch (EntryPointNotFoundException) { /* a PortAudio built without ALSA */ }
    }

    private static int IsFormatSupported(PaStreamParameters? input, PaStreamParameters? output, double rate)
    {
        PaStreamParameters i = input.GetValueOrDefault(), o = output.GetValueOrDefault();
        return Pa_IsFormatSupported(input.HasValue ? &i : null, output.HasValue ? &o : null, rate);
    }

    private static (int Error, nint Stream) Open(PaStreamParameters? input, PaStreamParameters? output, double rate, int frames, nint user)
    {
        PaStreamParameters i = input.GetValueOrDefault(), o = output.GetValueOrDefault();
        nint stream;
        int err = input.HasValue
            ? Pa_OpenStream(&stream, &i, null, rate, (nuint)frames, (nuint)StreamFlagClipOff, &OnInputCallback, (void*)user)
            : Pa_OpenStream(&stream, null, &o, rate, (nuint)frames, (nuint)StreamFlagClipOff, &OnOutputCallback, (void*)user);
        return (err, stream);
    }

    [UnmanagedCallersOnly]
    private static int OnInputCallback(void* input, void* output, nuint frames, PaStreamCallbackTimeInfo* time, nuint status, void* user)
    {
        Unsafe.As<LiveEngine>(GCHandle.FromIntPtr((nint)user).Target!).OnInput((float*)input, (int)frames, (ulong)status);
        return CallbackContinue;
    }

    [UnmanagedCallersOnly]
    private static int OnOutputCallback(void* input, void* output, nuint frames, PaStreamCallbackTimeInfo* time, nuint status, void* user)
    {
        Unsafe.As<LiveEngine>(GCHandle.FromIntPtr((nint)user).Target!).OnOutput((float*)output, (int)frames, (ulong)status);
        return CallbackContinue;
    }

    private bool Counting => _primed && !_stopping;

    /// <summary>Capture callback: meter and copy into the input ring. Bounded work, no allocation, lock, I/O or throw.</summary>
    internal void OnInput(float* input, int frames, ulong status)
    {
        if ((status & StatusInputOverflow) != 0) Interlocked.Increment(ref Counting ? ref _deviceInputOverflows : ref _startupXruns);
        Interlocked.Increment(ref _inCallbacks);
        Interlocked.Add(ref _framesIn, frames);
        if (input is null)
        {
            if (_in.WriteSilence(frames) < frames) Interlocked.Increment(ref Counting ? ref _ringOverruns : ref _startupXruns);
            return;
        }
        var span = new ReadOnlySpan<float>(input, frames);
        InputMeter.Add(span);
        int written = _in.Write(span);
        if (written < frames)
        {
            Interlocked.Increment(ref Counting ? ref _ringOverruns : ref _startupXruns);
            Interlocked.Add(ref _droppedInFrames, frames - written);
        }
    }

    /// <summary>Playback callback: copy from the output ring (silence when it ran dry) and fan out to the channels.</summary>
    internal void OnOutput(float* output, int frames, ulong status)
    {
        if ((status & StatusOutputUnderflow) != 0) Interlocked.Increment(ref Counting ? ref _deviceOutputUnderflows : ref _startupXruns);
        Interlocked.Increment(ref _outCallbacks);
        var scratch = _callbackScratch.AsSpan();
        for (int done = 0; done < frames;)
        {
            int n = Math.Min(frames - done, scratch.Length);
            var chunk = scratch[..n];
            int got = _out.Read(chunk);
            if (got < n)
            {
                chunk[got..].Clear();
                Interlocked.Increment(ref Counting ? ref _ringUnderruns : ref _startupXruns);
                Interlocked.Add(ref _missingOutFrames, n - got);
            }
            OutputMeter.Add(chunk);
            if (output is not null)
            {
                float* o = output + (long)done * _outChannels;
                if (_outChannels == 1) chunk.CopyTo(new Span<float>(o, n));
                else for (int i = 0; i < n; i++) { o[2 * i] = chunk[i]; o[2 * i + 1] = chunk[i]; }
            }
            done += n;
        }
    }

    /// <summary>
    /// Runs the worker's chain on synthetic blocks before the streams open, then resets it. Otherwise the
    /// first real blocks run freshly compiled, unoptimised code (and tiered recompilation competes for the
    /// cores): on a loaded 2-core machine the worker then fell a second behind the devices just as
    /// start-up ended (ring under-runs). Three rounds with pauses in between, because the runtime promotes
    /// hot methods only after a quiet spell of about 100 ms and compiles them on a background thread.
    /// </summary>
    internal void WarmUpWorker()
    {
        var buffers = new WorkerBuffers(_o.WorkerBlock, _toModel, _fromModel);
        var random = new Random(12345);
        for (int round = 0; round < 3; round++)
        {
            for (int b = 0; b < 40; b++)
            {
                for (int i = 0; i < buffers.In.Length; i++) buffers.In[i] = 0.05f * (random.NextSingle() - 0.5f);
                ProcessBlock(buffers);
            }
            Thread.Sleep(150);
        }
        _processor.Reset();
        _toModel.Reset();
        _fromModel.Reset();
    }

    /// <summary>The worker's preallocated blocks: device input, processor in/out, device output.</summary>
    private sealed class WorkerBuffers(int block, IRateConverter toModel, IRateConverter fromModel)
    {
        public readonly float[] In = new float[block];
        public readonly float[] ModelIn = new float[toModel.MaxOutput(block)];
        public readonly float[] ModelOut = new float[toModel.MaxOutput(block)];
        public readonly float[] DeviceOut = new float[fromModel.MaxOutput(toModel.MaxOutput(block))];
    }

    /// <summary>Device rate → processor → device rate, sanitised; returns the output block.</summary>
    private Span<float> ProcessBlock(WorkerBuffers b)
    {
        int m = _toModel.Process(b.In, b.ModelIn);
        _processor.Process(b.ModelIn.AsSpan(0, m), b.ModelOut.AsSpan(0, m));
        int d = _fromModel.Process(b.ModelOut.AsSpan(0, m), b.DeviceOut);
        var produced = b.DeviceOut.AsSpan(0, d);
        SampleGuard.Sanitize(produced);
        return produced;
    }

    private void WorkerLoop()
    {
        int block = _o.WorkerBlock;
        var buffers = new WorkerBuffers(block, _toModel, _fromModel);
        double blockSeconds = block / (double)_o.InputRate;
        var window = new double[32];
        int windowCount = 0;
        long missingPaid = 0, droppedPaid = 0;
        try
        {
            while (!_stopWorker)
            {
                if (_in.Count < block) { Thread.Sleep(1); continue; }
                _in.Read(buffers.In);
                long t0 = Stopwatch.GetTimestamp();
                if (_processor.Bypass != _bypass) _processor.Bypass = _bypass;
                var produced = ProcessBlock(buffers);
                double load = Stopwatch.GetElapsedTime(t0).TotalSeconds / blockSeconds;
                Volatile.Write(ref _workerLoad, _workerLoad == 0 ? load : 0.98 * _workerLoad + 0.02 * load);

                _out.Write(produced);
                _recordIn?.Write(buffers.In);
                _recordOut?.Write(produced);
                // Start-up (streams filling their buffers, first callbacks) lasts until half a second of input
                // went through and the worker has caught up with capture (or, at the latest, three seconds).
                if (!_primed)
                {
                    _processedFrames += block;
                    bool caughtUp = _in.Count < 2 * block;
                    if (_processedFrames >= _o.InputRate / 2 && (caughtUp || _processedFrames >= 3 * _o.InputRate)) _primed = true;
                }

                KeepDelayConstant(window, ref windowCount, ref missingPaid, ref droppedPaid);
            }
        }
        catch (Exception e)
        {
            WorkerError = e; // the output keeps running and plays silence; the command reports and stops
        }
    }

    /// <summary>
    /// Keeps the delay what was reported. Without xruns nothing needs doing: the frames held by the rings
    /// plus those held by the devices stay constant (the rings' share moves when a device buffers more,
    /// which must not be "corrected"). Once, when start-up is over, the rings are set to the target (the
    /// devices started at different moments). After that, an under-run (the playback callback had to
    /// invent M frames) raised the delay by M: as many input frames are dropped once the rings hold more
    /// than the target; an over-run (capture dropped frames) lowered it: as much silence is inserted while
    /// they hold less. Drift between two device clocks only ever takes what is above or below the target.
    /// </summary>
    private void KeepDelayConstant(double[] window, ref int windowCount, ref long missingPaid, ref long droppedPaid)
    {
        if (!_primed) return;
        double fill = _in.Count * _outPerIn + _out.Count;
        if (windowCount < window.Length)
        {
            window[windowCount++] = fill;
            if (windowCount < window.Length) return;
            // Start-up is over: one adjustment from the average fill, and forget start-up's xruns.
            double mean = System.Numerics.Tensors.TensorPrimitives.Sum<double>(window) / window.Length;
            if (mean > _targetInFlight) _in.Skip((int)((mean - _targetInFlight) / _outPerIn));
            else _out.WriteSilence((int)(_targetInFlight - mean));
            missingPaid = Interlocked.Read(ref _missingOutFrames);
            droppedPaid = Interlocked.Read(ref _droppedInFrames);
            return;
        }
        long missing = Interlocked.Read(ref _missingOutFrames) - missingPaid;
        if (missing > 0 && fill > _targetInFlight)
        {
            int skipped = _in.Skip((int)(Math.Min(missing, fill - _targetInFlight) / _outPerIn));
            missingPaid += Math.Min(missing, (long)Math.Ceiling(skipped * _outPerIn));
            if (skipped > 0) Interlocked.Increment(ref _resyncs);
        }
        long dropped = Interlocked.Read(ref _droppedInFrames) - droppedPaid;
        if (dropped > 0 && fill < _targetInFlight)
        {
            int inserted = _out.WriteSilence((int)Math.Min(dropped * _outPerIn, _targetInFlight - fill));
            droppedPaid += Math.Min(dropped, (long)Math.Ceiling(inserted / _outPerIn));
            if (inserted > 0) Interlocked.Increment(ref _resyncs);
        }
    }

    private long _lastIn = -1, _lastOut = -1;
    private TimeSpan _inSince, _outSince;

    /// <summary>Streams restarted after they stopped calling back.</summary>
    public int Restarts { get; private set; }

    /// <summary>
    /// Watchdog, called periodically by the host (not on the audio path): a stream whose callbacks stopped
    /// for <paramref name="stall"/> is restarted (ALSA/PulseAudio streams can stall after an xrun under
    /// heavy load); one that stays silent for <paramref name="fatal"/> means the device is gone.
    /// Returns null while healthy, else the reason to give up.
    /// </summary>
    public string? CheckHealth(TimeSpan now, TimeSpan stall, TimeSpan fatal)
    {
        long i = InputCallbacks, o = OutputCallbacks;
        if (i != _lastIn) { _lastIn = i; _inSince = now; }
        if (o != _lastOut) { _lastOut = o; _outSince = now; }
        foreach (var (stream, since, name, started) in new[] { (_inStream, _inSince, "input", i > 0), (_outStream, _outSince, "output", o > 0) })
        {
            var silent = now - since;
            if (silent > fatal)
                return started
                    ? $"the {name} device stopped delivering audio for {silent.TotalSeconds:0.#} s (unplugged, or the audio server went away)"
                    : $"the {name} device did not deliver any audio within {silent.TotalSeconds:0.#} s of starting";
            // A stream that ran and then stopped calling back is restarted once per stall.
            if (started && silent > stall && stream != 0 && (silent - stall).TotalMilliseconds < 60)
            {
                var restart = Task.Run(() => { Pa_AbortStream(stream); return Pa_StartStream(stream); });
                if (!restart.Wait(TimeSpan.FromSeconds(2)) || restart.Result != 0)
                    return $"the {name} stream stalled and could not be restarted";
                Restarts++;
            }
        }
        return null;
    }

    /// <summary>Stops both streams (abort: immediate), then the worker. Safe to call twice; never blocks for long.</summary>
    public void Stop()
    {
        _stopping = true; // from here on, the callbacks no longer count xruns (one stream stops before the other)
        if (_inStream != 0 || _outStream != 0)
        {
            nint a = _inStream, b = _outStream;
            var stop = Task.Run(() =>
            {
                if (a != 0) { Pa_AbortStream(a); Pa_CloseStream(a); }
                if (b != 0) { Pa_AbortStream(b); Pa_CloseStream(b); }
            });
            if (stop.Wait(TimeSpan.FromSeconds(2)))
            {
                _inStream = _outStream = 0;
                if (_self.IsAllocated) _self.Free();
            }
            // else: the host API hung; keep the handle alive (a callback may still run) and let the process exit.
        }
        _stopWorker = true;
        _worker?.Join(TimeSpan.FromSeconds(1));
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Stop();
    }
}
