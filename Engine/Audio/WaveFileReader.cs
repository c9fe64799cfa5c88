using System.Buffers.Binary;
using System.Text;

namespace RealtimeDenoise.Audio;

/// <summary>
/// Streaming WAV reader. Reads RIFF/WAVE (and RF64, for files over 4 GiB) holding integer PCM
/// (8/16/24/32-bit) or IEEE float (32/64-bit), plain or WAVE_FORMAT_EXTENSIBLE, any channel
/// count and rate, as interleaved floats in ±1. Unknown chunks (LIST, fact, bext, JUNK, …)
/// are skipped, including the pad byte after odd-sized chunks. Samples are read in blocks
/// through <see cref="Read"/>, so a long file is never held in memory whole.
/// <para>
/// Files over 4 GiB: RF64 files (ds64 chunk, EBU Tech 3306) are read; a plain RIFF file cannot
/// describe more than 4 GiB, so a larger data chunk appears truncated and is read as declared.
/// </para>
/// <para>
/// Malformed headers throw <see cref="AudioFormatException"/> naming the file and the problem.
/// Damage that still leaves readable audio (a data chunk longer than the file, a partial last
/// frame, NaN/Inf in a float file) is repaired and reported in <see cref="Warnings"/>: a batch
/// job never fails halfway through a file. The reader writes nothing to the console.
/// </para>
/// </summary>
public sealed class WaveFileReader : IDisposable
{
    private const ushort TagPcm = 0x0001;
    private const ushort TagIeeeFloat = 0x0003;
    private const ushort TagExtensible = 0xFFFE;
    private const int BlockBytes = 64 * 1024;

    // Tail of the KSDATAFORMAT_SUBTYPE_* GUIDs; the first 4 bytes hold the plain format tag.
    private static readonly byte[] SubFormatGuidTail = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly List<string> _warnings = [];
    private readonly byte[] _block;
    private readonly long _dataStart;
    private long _streamPos;
    private long _framesRead;
    private long _framesAvailable;
    private bool _nonFiniteWarned;

    /// <summary>Opens a WAV file for reading.</summary>
    public WaveFileReader(string path)
        : this(OpenFile(path), path, leaveOpen: false)
    {
    }

    /// <summary>
    /// Reads WAV data from a stream. <paramref name="name"/> is used in messages. A non-seekable
    /// stream works if the fmt chunk comes before the data chunk (the usual order).
    /// </summary>
    public WaveFileReader(Stream stream, string name, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        FileName = name;
        try
        {
            (Format, _dataStart, long dataBytes) = ParseHeader();
            TotalFrames = dataBytes / Format.BlockAlign;
            long partial = dataBytes % Format.BlockAlign;
            if (partial != 0)
                Warn($"data chunk ends with a partial frame ({partial} of {Format.BlockAlign} bytes); it is ignored");
            _framesAvailable = TotalFrames;
            _block = new byte[Math.Max(1, BlockBytes / Format.BlockAlign) * Format.BlockAlign];
        }
        catch
        {
            if (!leaveOpen) stream.Dispose();
            throw;
        }
    }

    /// <summary>The file (or stream name) being read.</summary>
    public string FileName { get; }

    public WaveFormat Format { get; }

    /// <summary>Whole frames in the file (after any truncation repair).</summary>
    public long TotalFrames { get; private set; }

    public TimeSpan Duration => TimeSpan.FromSeconds((double)TotalFrames / Format.SampleRate);

    /// <summary>Frames read so far (the read position).</summary>
    public long Position => _framesRead;

    /// <summary>Problems that were repaired while reading; empty for a clean file.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>NaN/Inf samples of a float file that were read as 0.</summary>
    public long NonFiniteSamples { get; private set; }

    /// <summary>
    /// Reads up to <paramref name="interleaved"/>.Length / Channels whole frames; returns the
    /// number of frames read (0 at the end). Allocation free.
    /// </summary>
    public int Read(Span<float> interleaved)
    {
        int channels = Format.Channels;
        int frames = (int)Math.Min(interleaved.Length / channels, _framesAvailable - _framesRead);
        int blockAlign = Format.BlockAlign;
        int done = 0;
        while (done < frames)
        {
            int want = Math.Min(frames - done, _block.Length / blockAlign);
            int got = ReadFully(_block.AsSpan(0, want * blockAlign));
            int gotFrames = got / blockAlign;
            int bad = SampleCodec.Decode(_block.AsSpan(0, gotFrames * blockAlign),
                interleaved.Slice(done * channels, gotFrames * channels), Format.BitsPerSample, Format.Encoding);
            if (bad > 0) NoteNonFinite(bad);
            done += gotFrames;
            if (gotFrames < want)
            {
                // The stream ended before the header said it would (file shrank, or unknown length).
                long have = _framesRead + done;
                Warn($"file ends after {have} frames, {TotalFrames - have} frames before the end declared in the header");
                TotalFrames = _framesAvailable = have;
                break;
            }
        }
        _framesRead += done;
        return done;
    }

    /// <summary>Moves the read position to <paramref name="frame"/> (seekable streams only).</summary>
    public void Seek(long frame)
    {
        if (!_stream.CanSeek) throw new NotSupportedException($"{FileName}: stream is not seekable");
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frame, TotalFrames);
        _streamPos = _dataStart + frame * Format.BlockAlign;
        _stream.Position = _streamPos;
        _framesRead = frame;
    }

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    /// <summary>Reads a whole (short) file as interleaved floats.</summary>
    public static float[] ReadAllInterleaved(string path, out WaveFormat format)
    {
        using var reader = new WaveFileReader(path);
        format = reader.Format;
        return reader.ReadToEndInterleaved();
    }

    /// <summary>Reads a whole (short) file as one float array per channel, with any warnings.</summary>
    public static AudioClip ReadAll(string path)
    {
        using var reader = new WaveFileReader(path);
        float[] interleaved = reader.ReadToEndInterleaved();
        return new AudioClip(ChannelMixer.Deinterleave(interleaved, reader.Format.Channels), reader.Format.SampleRate, reader.Warnings.ToArray());
    }

    /// <summary>Reads a whole (short) file downmixed to mono (channel average).</summary>
    public static float[] ReadMono(string path, out int sampleRate)
    {
        using var reader = new WaveFileReader(path);
        sampleRate = reader.Format.SampleRate;
        float[] interleaved = reader.ReadToEndInterleaved();
        return reader.Format.Channels == 1 ? interleaved : ChannelMixer.DownmixToMono(interleaved, reader.Format.Channels);
    }

    /// <summary>
    /// Reads a whole (short) file downmixed to mono and resampled to <paramref name="sampleRate"/>,
    /// time aligned with the original (see <see cref="Resampler.ResampleAligned"/>).
    /// </summary>
    public static float[] ReadMono(string path, int sampleRate)
    {
        float[] mono = ReadMono(path, out int fileRate);
        return Resampler.ResampleAligned(mono, fileRate, sampleRate);
    }

    /// <summary>Reads from the current position to the end into one interleaved array.</summary>
    public float[] ReadToEndInterleaved()
    {
        long samples = (TotalFrames - _framesRead) * Format.Channels;
        if (samples > Array.MaxLength)
            throw new AudioFormatException(FileName, $"too long to load whole ({samples} samples); read it in blocks with Read()");
        var all = new float[samples];
        int filled = 0;
        while (filled < all.Length)
        {
            int frames = Read(all.AsSpan(filled));
            if (frames == 0) break;
            filled += frames * Format.Channels;
        }
        return filled == all.Length ? all : all[..filled];
    }

    private static FileStream OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
    }

    private (WaveFormat Format, long DataStart, long DataBytes) ParseHeader()
    {
        Span<byte> head = stackalloc byte[12];
        int got = ReadFully(head);
        if (got == 0) throw Bad("empty file, not a WAV file");
        string riffId = FourCc(head, got);
        bool rf64 = riffId == "RF64";
        if (riffId != "RIFF" && !rf64)
            throw Bad($"not a RIFF/WAVE file (starts with {Printable(riffId)}){OtherFormatHint(head[..got])}");
        if (got < 12) throw Bad($"truncated header ({got} bytes)");
        string form = FourCc(head[8..], 4);
        if (form != "WAVE") throw Bad($"RIFF file but not WAVE (form type {Printable(form)})");
        long declaredEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);

        long? length = _stream.CanSeek ? _stream.Length : null;
        WaveFormat? format = null;
        long dataStart = -1, dataBytes = 0, ds64DataBytes = -1;
        Span<byte> chunkHead = stackalloc byte[8];
        Span<byte> body = stackalloc byte[64];
        while (true)
        {
            got = ReadFully(chunkHead);
            if (got < 8)
            {
                if (got > 0 && format != null && dataStart >= 0) Warn($"{got} stray bytes at the end of the file ignored");
                break;
            }
            string id = FourCc(chunkHead, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHead[4..]);
            switch (id)
            {
                case "fmt ":
                {
                    if (size < 16) throw Bad($"fmt chunk too short ({size} bytes, at least 16 needed)");
                    int take = (int)Math.Min(size, (uint)body.Length);
                    if (ReadFully(body[..take]) < take) throw Bad("truncated header (fmt chunk cut off)");
                    format = ParseFmt(body[..take]);
                    SkipBytes(size - take + (size & 1));
                    break;
                }
                case "ds64" when rf64:
                {
                    if (size < 24) throw Bad($"ds64 chunk too short ({size} bytes)");
                    if (ReadFully(body[..24]) < 24) throw Bad("truncated header (ds64 chunk cut off)");
                    ds64DataBytes = BinaryPrimitives.ReadInt64LittleEndian(body[8..]);
                    SkipBytes(size - 24 + (size & 1));
                    break;
                }
                case "data":
                {
                    dataStart = _streamPos;
                    dataBytes = rf64 && size == uint.MaxValue && ds64DataBytes >= 0 ? ds64DataBytes : size;
                    if (format != null) goto done;
                    // fmt after data (rare): skip the audio and keep looking.
                    if (!_stream.CanSeek) throw Bad("fmt chunk after the data chunk in a non-seekable stream");
                    SkipBytes(dataBytes + (dataBytes & 1));
                    break;
                }
                default:
                    SkipBytes(size + (size & 1));
                    break;
            }
            if (length is long len && _streamPos >= len) break;
        }
    done:
        if (format == null) throw Bad("no fmt chunk");
        if (dataStart < 0) throw Bad("no data chunk");
        if (length is long fileLength)
        {
            long available = Math.Max(0, fileLength - dataStart);
            if (dataBytes == 0 && !rf64 && declaredEnd <= dataStart && available > 0)
            {
                // A writer that never finalised its header (crash, killed recorder): the audio runs to the end.
                Warn($"header not finalised (RIFF and data sizes left at 0); reading the {available} bytes up to the end of the file");
                dataBytes = available;
            }
            if (dataBytes > available)
            {
                Warn($"data chunk declares {dataBytes} bytes but the file holds only {available}; reading what exists");
                dataBytes = available;
            }
            if (_streamPos != dataStart)
            {
                _stream.Position = dataStart;
                _streamPos = dataStart;
            }
        }
        return (format, dataStart, dataBytes);
    }

    private WaveFormat ParseFmt(ReadOnlySpan<byte> fmt)
    {
        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        uint byteRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[8..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);

        if (tag == TagExtensible)
        {
            int cbSize = fmt.Length >= 18 ? BinaryPrimitives.ReadUInt16LittleEndian(fmt[16..]) : 0;
            if (fmt.Length < 40 || cbSize < 22)
                throw Bad($"WAVE_FORMAT_EXTENSIBLE fmt chunk too short ({fmt.Length} bytes, extension {cbSize} bytes; 40 and 22 needed)");
            ReadOnlySpan<byte> guid = fmt.Slice(24, 16);
            uint subTag = BinaryPrimitives.ReadUInt32LittleEndian(guid);
            if (!guid[4..].SequenceEqual(SubFormatGuidTail) || subTag > ushort.MaxValue)
                throw Bad($"unsupported WAVE_FORMAT_EXTENSIBLE sub-format {new Guid(guid)}");
            tag = (ushort)subTag;
        }

        SampleEncoding encoding = tag switch
        {
            TagPcm => SampleEncoding.Pcm,
            TagIeeeFloat => SampleEncoding.IeeeFloat,
            _ => throw Bad($"unsupported encoding {FormatTagName(tag)} (format tag 0x{tag:X4}); only PCM and IEEE float can be read"),
        };
        if (channels == 0) throw Bad("zero channels");
        if (channels > WaveFormat.MaxChannels) throw Bad($"absurd channel count {channels} (more than {WaveFormat.MaxChannels})");
        if (sampleRate == 0) throw Bad("sample rate 0");
        if (sampleRate > WaveFormat.MaxSampleRate) throw Bad($"absurd sample rate {sampleRate} Hz (more than {WaveFormat.MaxSampleRate})");
        if (bits == 0) throw Bad("0 bits per sample");

        // Samples narrower than their container (e.g. 20 bits in 24) are left-justified, so the container decides.
        int container = (bits + 7) / 8 * 8;
        if (!WaveFormat.IsSupported(container, encoding))
            throw Bad($"unsupported sample size: {bits}-bit {(encoding == SampleEncoding.Pcm ? "PCM" : "float")}");
        if (encoding == SampleEncoding.IeeeFloat && bits != container)
            throw Bad($"unsupported sample size: {bits}-bit float");
        if (blockAlign != channels * container / 8)
            throw Bad($"block align mismatch: header says {blockAlign} bytes per frame, {channels} channels of {container} bits need {channels * container / 8}");
        var format = new WaveFormat((int)sampleRate, channels, container, encoding);
        if (byteRate != (uint)format.AverageBytesPerSecond)
            Warn($"byte rate in header is {byteRate}, expected {format.AverageBytesPerSecond}; ignored");
        return format;
    }

    private static string FormatTagName(ushort tag) => tag switch
    {
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "µ-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MP3",
        0x0161 or 0x0162 or 0x0163 => "Windows Media Audio",
        0x00FF or 0x1610 => "AAC",
        _ => "unknown",
    };

    private int ReadFully(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = _stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        _streamPos += total;
        return total;
    }

    private void SkipBytes(long count)
    {
        if (count <= 0) return;
        if (_stream.CanSeek)
        {
            _streamPos += count;
            _stream.Position = _streamPos;
            return;
        }
        Span<byte> scratch = stackalloc byte[4096];
        while (count > 0)
        {
            int n = ReadFully(scratch[..(int)Math.Min(count, scratch.Length)]);
            if (n == 0) break;
            count -= n;
        }
    }

    private void NoteNonFinite(int count)
    {
        NonFiniteSamples += count;
        if (_nonFiniteWarned) return;
        _nonFiniteWarned = true;
        Warn("NaN or infinite samples read as 0 (see NonFiniteSamples for the count)");
    }

    private void Warn(string message) => _warnings.Add($"{FileName}: {message}");

    private AudioFormatException Bad(string problem) => new(FileName, problem);

    private static string FourCc(ReadOnlySpan<byte> bytes, int available) =>
        Encoding.Latin1.GetString(bytes[..Math.Min(4, available)]);

    /// <summary>
    /// Names the common audio formats that are not WAV, from their first bytes, so the error tells the user what the file
    /// is and how to convert it; empty when the bytes are not recognised.
    /// </summary>
    internal static string OtherFormatHint(ReadOnlySpan<byte> head)
    {
        string? name =
            head.StartsWith("fLaC"u8) ? "FLAC" :
            head.StartsWith("OggS"u8) ? "Ogg (Vorbis, Opus or FLAC)" :
            head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0) ? "MP3" :
            head.Length >= 8 && head[4..8].SequenceEqual("ftyp"u8) ? "MP4/M4A" :
            head.Length >= 12 && head.StartsWith("FORM"u8) && (head[8..12].SequenceEqual("AIFF"u8) || head[8..12].SequenceEqual("AIFC"u8)) ? "AIFF" :
            head.StartsWith(".snd"u8) ? "Sun/NeXT AU" :
            null;
        return name is null ? "" : $": it looks like {name}; only WAV is read, so convert it first, e.g. ffmpeg -i IN OUT.wav";
    }

    private static string Printable(string fourCc)
    {
        var sb = new StringBuilder("'");
        foreach (char c in fourCc) sb.Append(c is >= ' ' and <= '~' ? c : '?');
        return sb.Append('\'').ToString();
    }
}
