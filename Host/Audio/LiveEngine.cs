using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RealtimeDenoise.Streaming;
using static RealtimeDenoise.Host.Audio.PortAudioNative;

namespace RealtimeDenoise.Host.Audio;

/// <summary>Stream settings for <see cref="LiveEngine"/>; rates and sizes are at the device rate.</summary>
public sealed record LiveEngineOptions(
    AudioDevice Input,
    AudioDevice Output,
    int SampleRate,
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
/// Full-duplex live processing. The PortAudio callback only moves samples between the device and two
/// preallocated lock-free rings (no allocation, lock, logging or exception); a dedicated worker thread
/// converts to the processor's rate, runs the <see cref="IStreamProcessor"/> and converts back.
/// Samples in flight between callback and worker are kept at a fixed target (one device buffer, one
/// worker block and a safety margin), so the ring delay is constant; under-runs and over-runs are
/// counted and the target is restored by dropping input or inserting silence.
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
    private readonly int _targetInFlight;
    private GCHandle _self;
    private nint _stream;
    private Thread? _worker;
    private volatile bool _stopWorker;
    private volatile bool _bypass;
    private volatile bool _primed;
    private bool _disposed;

    private long _callbacks, _framesIn;
    private long _deviceInputOverflows, _deviceOutputUnderflows, _ringOverruns, _ringUnderruns, _resyncs;
    private double _workerLoad;

    public LiveEngine(LiveEngineOptions options, IStreamProcessor processor, IRateConverter toModel, IRateConverter fromModel,
        SpscRing? recordIn = null, SpscRing? recordOut = null)
    {
        if (toModel.InputRate != options.SampleRate || toModel.OutputRate != processor.SampleRate ||
            fromModel.InputRate != processor.SampleRate || fromModel.OutputRate != options.SampleRate)
            throw new ArgumentException("rate converters do not match the device and processor rates");
        _o = options;
        _processor = processor;
        _toModel = toModel;
        _fromModel = fromModel;
        _recordIn = recordIn;
        _recordOut = recordOut;
        _outChannels = Math.Clamp(options.Output.MaxOutputChannels, 1, 2);
        _targetInFlight = options.FramesPerBuffer + options.WorkerBlock + options.SafetySamples;
        int ringSize = 4 * (_targetInFlight + CallbackScratch);
        _in = new SpscRing(ringSize);
        _out = new SpscRing(ringSize);
        InputMeter = new LevelMeter();
        OutputMeter = new LevelMeter();
    }

    public LevelMeter InputMeter { get; }
    public LevelMeter OutputMeter { get; }

    /// <summary>Bypass requested by the UI; applied by the worker before the next block.</summary>
    public bool Bypass { get => _bypass; set => _bypass = value; }

    public long Callbacks => Interlocked.Read(ref _callbacks);
    public long FramesIn => Interlocked.Read(ref _framesIn);

    /// <summary>Over-runs and under-runs: reported by the device (status flags) and seen at the rings.</summary>
    public long Xruns => Interlocked.Read(ref _deviceInputOverflows) + Interlocked.Read(ref _deviceOutputUnderflows)
        + Interlocked.Read(ref _ringOverruns) + Interlocked.Read(ref _ringUnderruns);

    public string XrunDetail =>
        $"device in-overflow {Interlocked.Read(ref _deviceInputOverflows)}, device out-underflow {Interlocked.Read(ref _deviceOutputUnderflows)}, " +
        $"ring overrun {Interlocked.Read(ref _ringOverruns)}, ring underrun {Interlocked.Read(ref _ringUnderruns)}, resyncs {Interlocked.Read(ref _resyncs)}";

    /// <summary>Worker time per block over block duration (exponential average).</summary>
    public double WorkerLoad => Volatile.Read(ref _workerLoad);

    /// <summary>PortAudio's own estimate of callback CPU load.</summary>
    public double CallbackLoad => _stream == 0 ? 0 : Pa_GetStreamCpuLoad(_stream);

    /// <summary>Set when the worker failed; the stream then outputs silence.</summary>
    public Exception? WorkerError { get; private set; }

    public LiveLatency Latency { get; private set; } = new(0, 0, 0, 0);

    public bool IsActive => _stream != 0 && Pa_IsStreamActive(_stream) == 1;

    /// <summary>Opens and starts the stream; throws <see cref="AudioDeviceException"/> with a readable reason, never hangs past the start timeout.</summary>
    public void Start()
    {
        if (_stream != 0) throw new InvalidOperationException("already started");
        _self = GCHandle.Alloc(this);
        _out.WriteSilence(_targetInFlight); // the ring delay: constant from here on
        _worker = new Thread(WorkerLoop) { Name = "rtdenoise-worker", IsBackground = true, Priority = ThreadPriority.AboveNormal };
        _worker.Start();

        var open = Task.Run(OpenAndStart);
        if (!open.Wait(_o.StartTimeout))
            throw new AudioDeviceException($"the audio device did not start within {_o.StartTimeout.TotalSeconds:0.#} s (is the audio server responding?)");
        if (open.Exception is { } ex) throw ex.InnerException ?? ex;
        _stream = open.Result;

        var info = Pa_GetStreamInfo(_stream);
        double algorithmic = _processor.LatencySamples / (double)_processor.SampleRate
            + _toModel.DelayOutputSamples / _toModel.OutputRate + _fromModel.DelayOutputSamples / _fromModel.OutputRate;
        Latency = new LiveLatency(info is null ? 0 : info->InputLatency, info is null ? 0 : info->OutputLatency,
            _targetInFlight / (double)_o.SampleRate, algorithmic);
    }

    private nint OpenAndStart()
    {
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
        int supported = IsFormatSupported(inParams, outParams, _o.SampleRate);
        if (supported != 0)
            throw new AudioDeviceException($"'{_o.Input.Name}' → '{_o.Output.Name}' refuses mono float at {_o.SampleRate} Hz: {ErrorText(supported)}");
        var self = GCHandle.ToIntPtr(_self);
        var (err, stream) = NativeProcess.WithSilencedStderr(() => Open(inParams, outParams, _o.SampleRate, _o.FramesPerBuffer, self));
        if (err != 0) throw new AudioDeviceException($"cannot open '{_o.Input.Name}' → '{_o.Output.Name}' at {_o.SampleRate} Hz: {ErrorText(err)}");
        err = Pa_StartStream(stream);
        if (err != 0)
        {
            Pa_CloseStream(stream);
            throw new AudioDeviceException($"cannot start the audio stream: {ErrorText(err)}");
        }
        return stream;
    }

    private static int IsFormatSupported(PaStreamParameters input, PaStreamParameters output, double rate) =>
        Pa_IsFormatSupported(&input, &output, rate);

    private static (int Error, nint Stream) Open(PaStreamParameters input, PaStreamParameters output, double rate, int frames, nint user)
    {
        nint stream;
        int err = Pa_OpenStream(&stream, &input, &output, rate, (nuint)frames, (nuint)StreamFlagClipOff, &OnAudioCallback, (void*)user);
        return (err, stream);
    }

    [UnmanagedCallersOnly]
    private static int OnAudioCallback(void* input, void* output, nuint frames, PaStreamCallbackTimeInfo* time, nuint status, void* user)
    {
        var engine = Unsafe.As<LiveEngine>(GCHandle.FromIntPtr((nint)user).Target!);
        engine.OnAudio((float*)input, (float*)output, (int)frames, (ulong)status);
        return CallbackContinue;
    }

    /// <summary>The real-time part: copies only. Bounded work, no allocation, lock, I/O or throw.</summary>
    private void OnAudio(float* input, float* output, int frames, ulong status)
    {
        if ((status & StatusInputOverflow) != 0) Interlocked.Increment(ref _deviceInputOverflows);
        if ((status & StatusOutputUnderflow) != 0) Interlocked.Increment(ref _deviceOutputUnderflows);
        Interlocked.Increment(ref _callbacks);
        Interlocked.Add(ref _framesIn, frames);

        var scratch = _callbackScratch.AsSpan();
        for (int done = 0; done < frames;)
        {
            int n = Math.Min(frames - done, scratch.Length);
            var chunk = scratch[..n];
            if (input is not null)
            {
                var inSpan = new ReadOnlySpan<float>(input + done, n);
                InputMeter.Add(inSpan);
                if (_in.Write(inSpan) < n) Interlocked.Increment(ref _ringOverruns);
            }
            else if (_in.WriteSilence(n) < n) Interlocked.Increment(ref _ringOverruns);

            int got = _out.Read(chunk);
            if (got < n)
            {
                chunk[got..].Clear();
                if (_primed) Interlocked.Increment(ref _ringUnderruns);
            }
            OutputMeter.Add(chunk);
            if (output is not null)
            {
                float* o = (float*)output + (long)done * _outChannels;
                if (_outChannels == 1) chunk.CopyTo(new Span<float>(o, n));
                else for (int i = 0; i < n; i++) { o[2 * i] = chunk[i]; o[2 * i + 1] = chunk[i]; }
            }
            done += n;
        }
    }

    private void WorkerLoop()
    {
        int block = _o.WorkerBlock;
        var inBlock = new float[block];
        var modelIn = new float[_toModel.MaxOutput(block)];
        var modelOut = new float[modelIn.Length];
        var deviceOut = new float[_fromModel.MaxOutput(modelIn.Length)];
        double blockSeconds = block / (double)_o.SampleRate;
        int tolerance = _o.FramesPerBuffer + block;
        try
        {
            while (!_stopWorker)
            {
                if (_in.Count < block) { Thread.Sleep(1); continue; }
                _in.Read(inBlock);
                long t0 = Stopwatch.GetTimestamp();
                if (_processor.Bypass != _bypass) _processor.Bypass = _bypass;
                int m = _toModel.Process(inBlock, modelIn);
                _processor.Process(modelIn.AsSpan(0, m), modelOut.AsSpan(0, m));
                int d = _fromModel.Process(modelOut.AsSpan(0, m), deviceOut);
                var produced = deviceOut.AsSpan(0, d);
                SampleGuard.Sanitize(produced);
                double load = Stopwatch.GetElapsedTime(t0).TotalSeconds / blockSeconds;
                Volatile.Write(ref _workerLoad, _workerLoad == 0 ? load : 0.95 * _workerLoad + 0.05 * load);

                _out.Write(produced);
                _recordIn?.Write(inBlock);
                _recordOut?.Write(produced);
                _primed = true;

                // Keep the samples in flight at the target so the delay stays what we reported.
                int inFlight = _in.Count + _out.Count;
                if (inFlight > _targetInFlight + tolerance)
                {
                    _in.Skip(inFlight - _targetInFlight);
                    Interlocked.Increment(ref _resyncs);
                }
                else if (inFlight < _targetInFlight - tolerance)
                {
                    _out.WriteSilence(_targetInFlight - inFlight);
                    Interlocked.Increment(ref _resyncs);
                }
            }
        }
        catch (Exception e)
        {
            WorkerError = e; // the callback keeps running and plays silence; the command reports and stops
        }
    }

    /// <summary>Stops the stream (abort: immediate), then the worker. Safe to call twice.</summary>
    public void Stop()
    {
        if (_stream != 0)
        {
            var s = _stream;
            var stop = Task.Run(() => { Pa_AbortStream(s); Pa_CloseStream(s); });
            if (stop.Wait(TimeSpan.FromSeconds(2))) { _stream = 0; if (_self.IsAllocated) _self.Free(); }
            // else: the host API hung; keep the handle alive (the callback may still run) and let the process exit.
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
