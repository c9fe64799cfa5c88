using System.Buffers;
using System.Threading.Channels;
using RealtimeDenoise.Audio;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>Result of one file: frames in, frames out, seconds of audio.</summary>
public sealed record FileResult(long InputFrames, long OutputFrames, double AudioSeconds, WaveFormat InputFormat, WaveFormat OutputFormat);

/// <summary>
/// Denoises one WAV file: reader → enhancer → writer, three tasks joined by bounded channels of pooled
/// blocks, so memory stays constant whatever the file length. Every channel runs its own aligned chain
/// (resample to the model rate, enhance, resample to the output rate), which compensates every delay:
/// the output is sample-aligned with the input and exactly as long. The chains run on up to
/// <see cref="DenoiseSettings.Workers"/> threads. The output is written to a temp
/// file and renamed into place only when everything succeeded; on error or cancellation nothing is left.
/// </summary>
public static class FilePipeline
{
    private const int QueueDepth = 4;

    public static FileResult Run(string input, string output, DenoiseSettings settings, Action<double>? secondsDone = null, CancellationToken token = default)
    {
        using var reader = new WaveFileReader(input);
        var inFormat = reader.Format;
        var outFormat = settings.OutputFormat(inFormat);
        int channels = outFormat.Channels;
        long inFrames = reader.TotalFrames;
        long outFrames = (inFrames * outFormat.SampleRate * 2 + inFormat.SampleRate) / (2L * inFormat.SampleRate);

        var collectors = new SampleCollector[channels];
        var heads = new ISampleSink[channels];
        var disposables = new List<IDisposable>();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token);
        var ct = linked.Token;
        // Threads beyond one per channel enhance several offline windows of each channel at once.
        int windowWorkers = Math.Max(1, settings.Workers / channels);
        try
        {
            for (int c = 0; c < channels; c++)
            {
                collectors[c] = new SampleCollector(outFrames);
                ISampleSink sink = new AlignedResampleStage(settings.ModelRate, outFormat.SampleRate, collectors[c]);
                if (settings.Mode == EnhanceMode.Offline)
                {
                    var createOffline = settings.CreateOffline ?? throw new InvalidOperationException("no offline enhancer");
                    var enhancers = new IEnhancer[windowWorkers];
                    for (int i = 0; i < windowWorkers; i++)
                    {
                        enhancers[i] = createOffline();
                        if (enhancers[i].SampleRate != settings.ModelRate) throw new InvalidOperationException("enhancer rate differs from the model rate");
                    }
                    var stage = new OfflineSegmentStage(enhancers, (int)(settings.SegmentSeconds * settings.ModelRate),
                        (int)(settings.OverlapSeconds * settings.ModelRate), sink, ct);
                    disposables.Add(stage);
                    sink = stage;
                }
                else
                {
                    var p = (settings.CreateStreaming ?? throw new InvalidOperationException("no streaming enhancer")).Invoke();
                    disposables.Add(p);
                    if (p.SampleRate != settings.ModelRate) throw new InvalidOperationException("processor rate differs from the model rate");
                    sink = new StreamProcessorStage(p, sink);
                }
                heads[c] = new AlignedResampleStage(inFormat.SampleRate, settings.ModelRate, sink);
            }

            var toProcess = Channel.CreateBounded<(float[] Buffer, int Frames)>(new BoundedChannelOptions(QueueDepth) { SingleReader = true, SingleWriter = true });
            var toWrite = Channel.CreateBounded<(float[] Buffer, int Frames)>(new BoundedChannelOptions(QueueDepth) { SingleReader = true, SingleWriter = true });
            int block = settings.BlockFrames;

            var readTask = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var buffer = ArrayPool<float>.Shared.Rent(block * inFormat.Channels);
                        int n = reader.Read(buffer.AsSpan(0, block * inFormat.Channels));
                        if (n == 0) { ArrayPool<float>.Shared.Return(buffer); break; }
                        await toProcess.Writer.WriteAsync((buffer, n), ct);
                    }
                    toProcess.Writer.Complete();
                }
                catch (Exception e) { toProcess.Writer.TryComplete(e); linked.Cancel(); throw; }
            }, ct);

            var processTask = Task.Run(async () =>
            {
                try
                {
                    var mono = new float[channels][];
                    for (int c = 0; c < channels; c++) mono[c] = new float[block];
                    await foreach (var (buffer, frames) in toProcess.Reader.ReadAllAsync(ct))
                    {
                        ForEachChannel(channels, settings.Workers, ct, c =>
                        {
                            var data = buffer.AsSpan(0, frames * inFormat.Channels);
                            var m = mono[c].AsSpan(0, frames);
                            if (settings.Mono) ChannelMixer.DownmixToMono(data, inFormat.Channels, m);
                            else ChannelMixer.ExtractChannel(data, inFormat.Channels, c, m);
                            heads[c].Push(m);
                        });
                        ArrayPool<float>.Shared.Return(buffer);
                        await Drain(collectors, toWrite.Writer, final: false, ct);
                        secondsDone?.Invoke(frames / (double)inFormat.SampleRate);
                    }
                    ForEachChannel(channels, settings.Workers, ct, c => heads[c].Finish());
                    await Drain(collectors, toWrite.Writer, final: true, ct);
                    toWrite.Writer.Complete();
                }
                catch (Exception e) { toWrite.Writer.TryComplete(e); linked.Cancel(); throw; }
            }, ct);

            long written;
            try
            {
                written = Write(output, outFormat, settings.Overwrite, toWrite.Reader, readTask, processTask, outFrames, ct);
            }
            catch (Exception e)
            {
                // Stop the reader and the enhancers and wait for them: nothing may still use the processors when they are
                // disposed below (after a writer failure nothing else would stop them), and a failing stage cancels the
                // token before its own task is marked faulted, so only once both have settled can the report name that
                // stage's failure instead of the cancellation it triggered (seen in CI as "A task was canceled").
                linked.Cancel();
                try { Task.WaitAll(readTask, processTask); }
                catch (AggregateException) { } // examined below
                var root = readTask.Exception?.InnerException ?? processTask.Exception?.InnerException ?? (e as ChannelClosedException)?.InnerException;
                if (root is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(root);
                throw;
            }
            return new FileResult(inFrames, written, inFrames / (double)inFormat.SampleRate, inFormat, outFormat);
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
    }

    /// <summary>
    /// Writes the enhanced blocks to a temp file and commits it once every frame is there; returns the frames written.
    /// A stage's failure reaches it as a cancellation or a closed channel; <see cref="Run"/> reports the cause.
    /// </summary>
    private static long Write(string output, WaveFormat outFormat, bool overwrite, ChannelReader<(float[] Buffer, int Frames)> blocks,
        Task readTask, Task processTask, long outFrames, CancellationToken ct)
    {
        int channels = outFormat.Channels;
        using var writer = new WaveFileWriter(output, outFormat, new WaveWriterOptions { Overwrite = overwrite });
        foreach (var item in blocks.ReadAllAsync(ct).ToBlockingEnumerable(ct))
        {
            writer.Write(item.Buffer.AsSpan(0, item.Frames * channels));
            ArrayPool<float>.Shared.Return(item.Buffer);
        }
        Task.WaitAll([readTask, processTask], ct);
        if (writer.FramesWritten != outFrames)
            throw new InvalidOperationException($"internal error: wrote {writer.FramesWritten} frames, expected {outFrames}");
        return writer.Commit().Frames;
    }

    /// <summary>
    /// Runs one step of every channel's chain, on up to <paramref name="workers"/> threads (the chains share nothing).
    /// A failing step is rethrown as itself, not wrapped, so the file's report names the real cause.
    /// </summary>
    private static void ForEachChannel(int channels, int workers, CancellationToken ct, Action<int> step)
    {
        if (workers <= 1 || channels == 1)
        {
            for (int c = 0; c < channels; c++) step(c);
            return;
        }
        try { Parallel.For(0, channels, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = ct }, step); }
        catch (AggregateException e) { System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]); }
    }

    /// <summary>Moves the frames every channel has ready into interleaved pooled blocks for the writer.</summary>
    private static async ValueTask Drain(SampleCollector[] collectors, ChannelWriter<(float[], int)> writer, bool final, CancellationToken ct)
    {
        int channels = collectors.Length;
        while (true)
        {
            int ready = collectors.Min(c => c.Available);
            if (ready == 0) return;
            ready = Math.Min(ready, 16384);
            var buffer = ArrayPool<float>.Shared.Rent(ready * channels);
            var tmp = ArrayPool<float>.Shared.Rent(ready);
            for (int c = 0; c < channels; c++)
            {
                collectors[c].Take(tmp.AsSpan(0, ready));
                for (int i = 0; i < ready; i++) buffer[i * channels + c] = tmp[i];
            }
            ArrayPool<float>.Shared.Return(tmp);
            await writer.WriteAsync((buffer, ready), ct);
            if (!final && ready < 16384) return;
        }
    }
}
