using System.Buffers.Binary;

namespace RealtimeDenoise.Audio;

/// <summary>
/// Streaming WAV writer: integer PCM (8/16/24/32-bit; rounded and clipped, optional TPDF dither)
/// or IEEE float (32/64-bit), any channel count and rate. Samples go to a temporary file in the
/// target's folder, which <see cref="Commit"/> finalises (RIFF and data sizes) and renames into
/// place; disposing without Commit deletes it, so a failed or cancelled job leaves no partial
/// output. An existing target is kept unless <see cref="WaveWriterOptions.Overwrite"/> is set.
/// NaN/Inf samples are written as 0 and counted. Output is plain RIFF (format tag 1 or 3, not
/// EXTENSIBLE, which every reader accepts); audio beyond the 4 GiB RIFF limit is refused with an
/// <see cref="AudioFormatException"/> rather than written as RF64.
/// </summary>
public sealed class WaveFileWriter : IDisposable
{
    private const int BlockBytes = 64 * 1024;
    private const long MaxDataBytes = uint.MaxValue - 64; // room for the header inside the 32-bit RIFF size

    private readonly FileStream _stream;
    private readonly WaveWriterOptions _options;
    private readonly byte[] _block;
    private readonly int _headerBytes;
    private TpdfDither _dither;
    private long _dataBytes;
    private long _nonFinite;
    private long _clipped;
    private bool _committed;
    private bool _disposed;

    public WaveFileWriter(string path, WaveFormat format, WaveWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(format);
        _options = options ?? WaveWriterOptions.Default;
        Path = System.IO.Path.GetFullPath(path);
        Format = format;
        if (Directory.Exists(Path)) throw new IOException($"{Path}: is a folder");
        if (!_options.Overwrite && File.Exists(Path))
            throw new IOException($"{Path}: already exists (not overwritten)");

        string folder = System.IO.Path.GetDirectoryName(Path) ?? ".";
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{Path}: folder {folder} does not exist");
        TempPath = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(TempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        _dither = new TpdfDither(_options.DitherSeed);
        _block = new byte[Math.Max(1, BlockBytes / format.BlockAlign) * format.BlockAlign];
        try
        {
            Span<byte> header = stackalloc byte[46];
            _headerBytes = WriteHeader(header, dataBytes: 0);
            _stream.Write(header[.._headerBytes]);
        }
        catch
        {
            _stream.Dispose();
            File.Delete(TempPath);
            throw;
        }
    }

    /// <summary>The final path (absolute).</summary>
    public string Path { get; }

    /// <summary>The temporary file written until <see cref="Commit"/>.</summary>
    public string TempPath { get; }

    public WaveFormat Format { get; }

    public long FramesWritten => _dataBytes / Format.BlockAlign;

    /// <summary>NaN/Inf samples written as 0 so far.</summary>
    public long NonFiniteSamples => _nonFinite;

    /// <summary>Integer samples clipped to the representable range so far.</summary>
    public long ClippedSamples => _clipped;

    /// <summary>Appends whole interleaved frames. Allocation free.</summary>
    public void Write(ReadOnlySpan<float> interleaved)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) throw new InvalidOperationException($"{Path}: already committed");
        int channels = Format.Channels;
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"{interleaved.Length} samples is not a whole number of {channels}-channel frames", nameof(interleaved));
        int bytesPerSample = Format.BytesPerSample;
        if (_dataBytes + (long)interleaved.Length * bytesPerSample > MaxDataBytes)
            throw new AudioFormatException(Path, "audio exceeds the 4 GiB limit of a RIFF WAV file");
        int samplesPerBlock = _block.Length / bytesPerSample;
        while (!interleaved.IsEmpty)
        {
            int n = Math.Min(samplesPerBlock, interleaved.Length);
            Span<byte> bytes = _block.AsSpan(0, n * bytesPerSample);
            SampleCodec.Encode(interleaved[..n], bytes, Format.BitsPerSample, Format.Encoding,
                ref _dither, _options.Dither, ref _nonFinite, ref _clipped);
            try { _stream.Write(bytes); }
            catch (Exception e) when (IsWriteFailure(e)) { throw WriteFailed(e); }
            _dataBytes += bytes.Length;
            interleaved = interleaved[n..];
        }
    }

    /// <summary>Finalises the header and renames the temporary file to <see cref="Path"/>.</summary>
    public WaveWriteResult Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) throw new InvalidOperationException($"{Path}: already committed");
        Span<byte> header = stackalloc byte[46];
        WriteHeader(header, _dataBytes);
        try
        {
            if ((_dataBytes & 1) != 0) _stream.WriteByte(0); // RIFF chunks are word aligned
            _stream.Position = 0;
            _stream.Write(header[.._headerBytes]);
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            File.Move(TempPath, Path, _options.Overwrite);
        }
        catch (Exception e) when (IsWriteFailure(e)) { throw WriteFailed(e); }
        _committed = true;
        return new WaveWriteResult(FramesWritten, _nonFinite, _clipped);
    }

    // A full disk gives an IOException; a file-size limit (EFBIG) an ArgumentOutOfRangeException from the stream.
    private static bool IsWriteFailure(Exception e) => e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException;

    /// <summary>Names the output (the stream's own message names the temp file, or nothing) and keeps the cause.</summary>
    private IOException WriteFailed(Exception e) =>
        new($"{Path}: writing failed, output left as it was: {e.Message}", e);

    /// <summary>Closes the file; without <see cref="Commit"/> the temporary file is deleted.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_committed) return;
        _stream.Dispose();
        try { File.Delete(TempPath); }
        catch (IOException) { /* best effort: nothing else can be done in Dispose */ }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Writes a whole interleaved signal to <paramref name="path"/> atomically.</summary>
    public static WaveWriteResult WriteAll(string path, ReadOnlySpan<float> interleaved, WaveFormat format, WaveWriterOptions? options = null)
    {
        using var writer = new WaveFileWriter(path, format, options);
        writer.Write(interleaved);
        return writer.Commit();
    }

    /// <summary>Writes equal-length channel arrays to <paramref name="path"/> atomically; the format's channel count must match.</summary>
    public static WaveWriteResult WriteAll(string path, IReadOnlyList<float[]> channels, WaveFormat format, WaveWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count != format.Channels)
            throw new ArgumentException($"{channels.Count} channel arrays for a {format.Channels}-channel format", nameof(channels));
        return WriteAll(path, ChannelMixer.Interleave(channels), format, options);
    }

    private int WriteHeader(Span<byte> h, long dataBytes)
    {
        bool isFloat = Format.Encoding == SampleEncoding.IeeeFloat;
        int fmtSize = isFloat ? 18 : 16; // non-PCM fmt carries cbSize = 0
        int headerBytes = 12 + 8 + fmtSize + 8;
        long riffSize = headerBytes - 8 + dataBytes + (dataBytes & 1);
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)riffSize);
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)fmtSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], (ushort)(isFloat ? 3 : 1));
        BinaryPrimitives.WriteUInt16LittleEndian(h[22..], (ushort)Format.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(h[24..], (uint)Format.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], (uint)Format.AverageBytesPerSecond);
        BinaryPrimitives.WriteUInt16LittleEndian(h[32..], (ushort)Format.BlockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(h[34..], (ushort)Format.BitsPerSample);
        int p = 36;
        if (isFloat)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h[p..], 0);
            p += 2;
        }
        "data"u8.CopyTo(h[p..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[(p + 4)..], (uint)dataBytes);
        return headerBytes;
    }
}
