using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// `live --record in.wav,out.wav`: the worker copies each block it reads and produces into two lock-free
/// rings; this recorder's own thread drains them to 32-bit float WAV files, so disk I/O never touches
/// the audio path. <see cref="Finish"/> drains what is left and commits both files (atomic rename).
/// </summary>
public sealed class LiveRecorder : IDisposable
{
    private readonly WaveFileWriter _inWriter, _outWriter;
    private readonly Thread _thread;
    private readonly float[] _scratch = new float[16384];
    private volatile bool _stop;
    private bool _finished;

    public LiveRecorder(string inPath, string outPath, int inputRate, int outputRate, bool overwrite)
    {
        var options = new WaveWriterOptions { Overwrite = overwrite };
        InputRing = new SpscRing(inputRate * 4);
        OutputRing = new SpscRing(outputRate * 4);
        _inWriter = new WaveFileWriter(inPath, WaveFormat.Float32(inputRate), options);
        try { _outWriter = new WaveFileWriter(outPath, WaveFormat.Float32(outputRate), options); }
        catch { _inWriter.Dispose(); throw; }
        _thread = new Thread(Loop) { Name = "rtdenoise-recorder", IsBackground = true };
        _thread.Start();
    }

    public SpscRing InputRing { get; }
    public SpscRing OutputRing { get; }
    public Exception? Error { get; private set; }

    private void Loop()
    {
        try
        {
            while (!_stop)
            {
                Drain();
                Thread.Sleep(20);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error = e;
        }
    }

    private void Drain()
    {
        int n;
        while ((n = InputRing.Read(_scratch)) > 0) _inWriter.Write(_scratch.AsSpan(0, n));
        while ((n = OutputRing.Read(_scratch)) > 0) _outWriter.Write(_scratch.AsSpan(0, n));
    }

    /// <summary>Stops the thread, writes what is left and commits both files; returns their lengths in frames.</summary>
    public (long InFrames, long OutFrames) Finish()
    {
        if (_finished) return (_inWriter.FramesWritten, _outWriter.FramesWritten);
        _finished = true;
        _stop = true;
        _thread.Join();
        if (Error is not null) throw new IOException($"recording failed: {Error.Message}", Error);
        Drain();
        var a = _inWriter.Commit();
        var b = _outWriter.Commit();
        return (a.Frames, b.Frames);
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _inWriter.Dispose();
        _outWriter.Dispose();
    }
}
