using System.Diagnostics;
using RealtimeDenoise.Host.Audio;
using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.Host.Pipeline;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Commands;

public sealed class LiveCommand : ICommand
{
    /// <summary>Rate of the pass-through processor, so `--passthrough` exercises the same resampling as the model.</summary>
    private const int PassThroughRate = 16000;

    public string Name => "live";
    public string Summary => "Denoise a microphone live (PortAudio), to a playback device or a virtual microphone";
    public string Usage =>
        "usage: rtdenoise live [options]\n\n" +
        "Captures an input device, denoises it with the streaming enhancer and plays the result on an output\n" +
        "device (or into a virtual microphone). Default devices follow the audio server (PULSE_SOURCE /\n" +
        "PULSE_SINK under PulseAudio). Stop with q, Ctrl-C or SIGTERM; b toggles bypass on a terminal.\n\n" +
        "  --input DEV           input device: index or name substring (default: the server's default)\n" +
        "  --output DEV          output device (default: the server's default)\n" +
        "  --virtual-mic         play into a new PulseAudio/PipeWire null sink and expose its monitor as a\n" +
        "                        microphone named --mic-name (default rtdenoise_mic); removed on exit\n" +
        "  --mic-name NAME       name of the virtual microphone source\n" +
        "  --rate HZ             device sample rate (default: the input device's default rate)\n" +
        "  --frames N            frames per device buffer (default: 10 ms)\n" +
        "  --latency MS          suggested device latency (default: the device's low latency)\n" +
        "  --block N             worker block in device frames (default: 10 ms)\n" +
        "  --safety-ms MS        extra buffering against scheduling jitter (default 20)\n" +
        "  --record IN,OUT       record the device input and the processed output to two WAV files\n" +
        "  --overwrite           allow --record to replace existing files\n" +
        "  --duration SECONDS    stop by itself after this long (for scripts)\n" +
        "  --bypass              start in bypass (input delayed by the same latency)\n" +
        "  --passthrough         no model: a pass-through processor at 16 kHz, to check the audio path\n" +
        "  --start-timeout S     give up when the device does not start within S seconds (default 5)\n" +
        EnhancerChoice.Help + ModelChoice.Help;

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        string? input = args.Option("--input"), output = args.Option("--output");
        bool virtualMic = args.Flag("--virtual-mic");
        string micName = args.Option("--mic-name") ?? "rtdenoise_mic";
        int rateOption = args.Int("--rate", 0, 0, 384000);
        int framesOption = args.Int("--frames", 0, 0, 16384);
        double latencyMs = args.Double("--latency", 0, 0, 2000);
        int blockOption = args.Int("--block", 0, 0, 65536);
        double safetyMs = args.Double("--safety-ms", 20, 0, 2000);
        string? record = args.Option("--record");
        bool overwrite = args.Flag("--overwrite");
        double duration = args.Double("--duration", 0, 0, 1e7);
        bool startBypassed = args.Flag("--bypass");
        bool passthrough = args.Flag("--passthrough");
        double startTimeout = args.Double("--start-timeout", 5, 0.1, 120);
        var choice = EnhancerChoice.Parse(args);
        choice.RequireStreaming(streamingMode: true);
        var streaming = choice.Streaming;
        var model = ModelChoice.Parse(args);
        args.ThrowOnUnknown();
        if (args.Positionals.Count > 0) throw new UsageException($"live takes no positional arguments (got '{args.Positionals[0]}').");
        if (virtualMic && output is not null) throw new UsageException("--virtual-mic and --output exclude each other.");
        string[]? recordPaths = null;
        if (record is not null)
        {
            recordPaths = record.Split(',', StringSplitOptions.TrimEntries);
            if (recordPaths.Length != 2 || recordPaths.Any(string.IsNullOrEmpty) || Path.GetFullPath(recordPaths[0]) == Path.GetFullPath(recordPaths[1]))
                throw new UsageException("--record expects two different files: IN.wav,OUT.wav");
        }

        IStreamProcessor processor;
        try { processor = ProcessorOverride?.Invoke() ?? (passthrough ? new DelayProcessor(PassThroughRate, 0) : EnhancerFactory.CreateStreaming(model, streaming)); }
        catch (EnhancerUnavailableException e)
        {
            Console.Error.WriteLine($"rtdenoise live: {e.Message}. Use --passthrough to run the audio path without a model.");
            return ExitCodes.NotImplemented;
        }

        VirtualMicrophone? mic = null;
        LiveRecorder? recorder = null;
        LiveEngine? engine = null;
        try
        {
            if (virtualMic)
            {
                mic = VirtualMicrophone.Create(micName);
                NativeProcess.SetEnvironment("PULSE_SINK", mic.SinkName);
                if (Environment.GetEnvironmentVariable("PULSE_SOURCE") is null && mic.PreviousDefaultSource is { } src)
                    NativeProcess.SetEnvironment("PULSE_SOURCE", src);
                Console.Error.WriteLine($"live: virtual microphone '{mic.Name}' created; select it as the microphone in other applications.");
            }
            using var pa = new PortAudioSystem();
            var inDev = pa.Resolve(input, input: true);
            var outDev = pa.Resolve(output, input: false);
            int rate = rateOption > 0 ? rateOption : (int)Math.Round(inDev.DefaultSampleRate);
            int outRate = rateOption > 0 ? rateOption : (int)Math.Round(outDev.DefaultSampleRate);
            int frames = framesOption > 0 ? framesOption : Math.Max(32, rate / 100);
            int block = blockOption > 0 ? blockOption : Math.Max(32, rate / 100);
            var toModel = RateConverters.Create(rate, processor.SampleRate);
            var fromModel = RateConverters.Create(processor.SampleRate, outRate);
            if (recordPaths is not null) recorder = new LiveRecorder(recordPaths[0], recordPaths[1], rate, outRate, overwrite);
            var options = new LiveEngineOptions(inDev, outDev, rate, outRate, frames, latencyMs / 1000, block,
                (int)Math.Round(safetyMs / 1000 * outRate), TimeSpan.FromSeconds(startTimeout));
            engine = new LiveEngine(options, processor, toModel, fromModel, recorder?.InputRing, recorder?.OutputRing) { Bypass = startBypassed };
            engine.Start();

            var lat = engine.Latency;
            Console.Error.WriteLine($"live: '{inDev.Name}' → '{outDev.Name}' at {rate}/{outRate} Hz, {frames} frames/buffer, processor {processor.SampleRate} Hz" +
                (passthrough ? " (pass-through, no model)" : processor is StreamingEnhancer { HasCompanion: true } ? " (with the embedded companion; --companion-weight 0 halves the CPU)" : ""));
            Console.Error.WriteLine(
                $"live: latency_ms={lat.Total * 1000:0.0} (device in {lat.DeviceInput * 1000:0.0} + out {lat.DeviceOutput * 1000:0.0} + buffers {lat.Buffering * 1000:0.0} + algorithmic {lat.Algorithmic * 1000:0.0})");

            int result = RunUntilStopped(engine, duration, cancellationToken, out var elapsed, out var view);
            engine.Stop();
            var (inFrames, outFrames) = recorder?.Finish() ?? (0, 0);
            Console.Error.WriteLine(
                $"live: stopped after {elapsed.TotalSeconds:0.0} s; xruns={engine.Xruns} ({engine.XrunDetail}); restarts={engine.Restarts}; worker_cpu={engine.WorkerLoad * 100:0.0}%; " +
                $"attenuation={view.OverallAttenuationDb:0.0}dB; latency_ms={lat.Total * 1000:0.0}");
            if (recordPaths is not null)
                Console.Error.WriteLine($"live: recorded {inFrames / (double)rate:0.0} s to {recordPaths[0]} and {outFrames / (double)outRate:0.0} s to {recordPaths[1]}");
            return result;
        }
        catch (AudioDeviceException e)
        {
            Console.Error.WriteLine($"rtdenoise live: audio device error: {e.Message}");
            return ExitCodes.Error;
        }
        catch (NotSupportedException e)
        {
            Console.Error.WriteLine($"rtdenoise live: {e.Message}");
            return ExitCodes.Error;
        }
        finally
        {
            engine?.Dispose();
            recorder?.Dispose();
            processor.Dispose();
            mic?.Dispose();
        }
    }

    /// <summary>Test seam: a processor with known behaviour instead of the model.</summary>
    internal static Func<IStreamProcessor>? ProcessorOverride { get; set; }

    private static int RunUntilStopped(LiveEngine engine, double duration, CancellationToken token, out TimeSpan elapsed, out LiveStatusView view)
    {
        bool interactive = !Console.IsOutputRedirected && !Console.IsInputRedirected;
        view = new LiveStatusView(engine, interactive, Console.Error);
        var clock = Stopwatch.StartNew();
        var statusEvery = TimeSpan.FromMilliseconds(interactive ? 250 : 1000);
        var nextStatus = statusEvery;
        int result = ExitCodes.Ok;
        while (true)
        {
            if (token.WaitHandle.WaitOne(50)) break;
            elapsed = clock.Elapsed;
            if (duration > 0 && elapsed.TotalSeconds >= duration) break;
            if (interactive && Console.KeyAvailable)
            {
                var key = Console.ReadKey(intercept: true).KeyChar;
                if (key is 'q' or 'Q') break;
                if (key is 'b' or 'B') engine.Bypass = !engine.Bypass;
            }
            if (engine.WorkerError is { } err)
            {
                view.EndLine();
                Console.Error.WriteLine($"rtdenoise live: processing failed: {err.GetType().Name}: {err.Message}");
                result = ExitCodes.Error;
                break;
            }
            if (engine.CheckHealth(elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)) is { } fatal)
            {
                view.EndLine();
                Console.Error.WriteLine($"rtdenoise live: audio device error: {fatal}.");
                result = ExitCodes.Error;
                break;
            }
            if (elapsed >= nextStatus)
            {
                view.Update(elapsed);
                nextStatus += statusEvery;
            }
        }
        elapsed = clock.Elapsed;
        view.EndLine();
        return result;
    }
}
