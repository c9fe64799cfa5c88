using System.Buffers.Binary;
using System.Text;

namespace RealtimeDenoise.Engine.Tests.Audio;

/// <summary>Builds WAV files byte by byte, so reader tests do not depend on the writer.</summary>
internal sealed class WavBytes
{
    private readonly List<byte> _body = [];
    private string _riffId = "RIFF";
    private string _form = "WAVE";
    private uint? _riffSize;

    public WavBytes RiffId(string id) { _riffId = id; return this; }
    public WavBytes Form(string form) { _form = form; return this; }
    public WavBytes RiffSize(uint size) { _riffSize = size; return this; }

    /// <summary>A chunk with its declared size = payload length (or <paramref name="declaredSize"/>), plus a pad byte when odd.</summary>
    public WavBytes Chunk(string id, byte[] payload, uint? declaredSize = null, bool pad = true)
    {
        _body.AddRange(Encoding.ASCII.GetBytes(id));
        _body.AddRange(U32(declaredSize ?? (uint)payload.Length));
        _body.AddRange(payload);
        if (pad && (payload.Length & 1) != 0) _body.Add(0);
        return this;
    }

    public WavBytes Fmt(ushort tag, int channels, int rate, int bits, int? blockAlign = null, int? byteRate = null)
    {
        int align = blockAlign ?? channels * bits / 8;
        return Chunk("fmt ", FmtPayload(tag, channels, rate, bits, align, byteRate ?? rate * align));
    }

    public static byte[] FmtPayload(ushort tag, int channels, int rate, int bits, int blockAlign, int byteRate)
    {
        var p = new List<byte>();
        p.AddRange(U16(tag));
        p.AddRange(U16((ushort)channels));
        p.AddRange(U32((uint)rate));
        p.AddRange(U32((uint)byteRate));
        p.AddRange(U16((ushort)blockAlign));
        p.AddRange(U16((ushort)bits));
        return p.ToArray();
    }

    /// <summary>A WAVE_FORMAT_EXTENSIBLE fmt chunk (40 bytes) whose sub-format GUID carries <paramref name="subTag"/>.</summary>
    public WavBytes FmtExtensible(ushort subTag, int channels, int rate, int bits, int validBits, uint channelMask, byte[]? guidTail = null)
    {
        var p = new List<byte>(FmtPayload(0xFFFE, channels, rate, bits, channels * bits / 8, rate * channels * bits / 8));
        p.AddRange(U16(22));
        p.AddRange(U16((ushort)validBits));
        p.AddRange(U32(channelMask));
        p.AddRange(U32(subTag));
        p.AddRange(guidTail ?? [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]);
        return Chunk("fmt ", p.ToArray());
    }

    public static byte[] Pcm16(params short[] samples)
    {
        var b = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(2 * i), samples[i]);
        return b;
    }

    public byte[] ToArray()
    {
        var all = new List<byte>();
        all.AddRange(Encoding.ASCII.GetBytes(_riffId));
        all.AddRange(U32(_riffSize ?? (uint)(4 + _body.Count)));
        all.AddRange(Encoding.ASCII.GetBytes(_form));
        all.AddRange(_body);
        return all.ToArray();
    }

    public static byte[] U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }
    public static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    public static byte[] U64(ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); return b; }
}
