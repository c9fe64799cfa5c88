using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace RealtimeDenoise.Audio;

/// <summary>
/// Conversion between WAV sample bytes (little endian) and floats in ±1.
/// Integer scale is 2^(bits−1) both ways, so PCM → float → PCM is lossless.
/// </summary>
internal static class SampleCodec
{
    /// <summary>Decodes <paramref name="dst"/>.Length samples; replaces NaN/Inf (float files) by 0 and returns how many.</summary>
    public static int Decode(ReadOnlySpan<byte> src, Span<float> dst, int bitsPerSample, SampleEncoding encoding)
    {
        int n = dst.Length;
        if (encoding == SampleEncoding.IeeeFloat)
        {
            if (bitsPerSample == 32)
            {
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(src[..(4 * n)]).CopyTo(dst);
                else for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
            }
            else
            {
                for (int i = 0; i < n; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]);
            }
            int bad = 0;
            for (int i = 0; i < n; i++)
            {
                if (!float.IsFinite(dst[i])) { dst[i] = 0f; bad++; }
            }
            return bad;
        }

        switch (bitsPerSample)
        {
            case 8:
                for (int i = 0; i < n; i++) dst[i] = (src[i] - 128) * (1f / 128f);
                break;
            case 16:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]) * (1f / 32768f);
                break;
            case 24:
                for (int i = 0, b = 0; i < n; i++, b += 3)
                {
                    int v = src[b] | (src[b + 1] << 8) | ((sbyte)src[b + 2] << 16);
                    dst[i] = v * (1f / 8388608f);
                }
                break;
            case 32:
                for (int i = 0; i < n; i++) dst[i] = (float)(BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]) * (1.0 / 2147483648.0));
                break;
            default:
                throw new NotSupportedException($"{bitsPerSample}-bit PCM");
        }
        return 0;
    }

    /// <summary>
    /// Encodes <paramref name="src"/> into <paramref name="dst"/>. Non-finite samples become 0;
    /// integer formats round (optionally with TPDF dither of ±1 LSB) and clip to the integer range.
    /// </summary>
    public static void Encode(ReadOnlySpan<float> src, Span<byte> dst, int bitsPerSample, SampleEncoding encoding,
        ref TpdfDither dither, bool useDither, ref long nonFinite, ref long clipped)
    {
        int n = src.Length;
        if (encoding == SampleEncoding.IeeeFloat)
        {
            for (int i = 0; i < n; i++)
            {
                float x = src[i];
                if (!float.IsFinite(x)) { x = 0f; nonFinite++; }
                if (bitsPerSample == 32) BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], x);
                else BinaryPrimitives.WriteDoubleLittleEndian(dst[(8 * i)..], x);
            }
            return;
        }

        double scale = bitsPerSample switch { 8 => 128.0, 16 => 32768.0, 24 => 8388608.0, _ => 2147483648.0 };
        long max = (long)scale - 1, min = -(long)scale;
        for (int i = 0; i < n; i++)
        {
            float x = src[i];
            if (!float.IsFinite(x)) { x = 0f; nonFinite++; }
            double v = x * scale;
            if (useDither) v += dither.Next();
            long q = (long)Math.Round(v, MidpointRounding.AwayFromZero);
            if (q > max) { q = max; clipped++; }
            else if (q < min) { q = min; clipped++; }
            switch (bitsPerSample)
            {
                case 8: dst[i] = (byte)(q + 128); break;
                case 16: BinaryPrimitives.WriteInt16LittleEndian(dst[(2 * i)..], (short)q); break;
                case 24:
                    int b = 3 * i;
                    dst[b] = (byte)q; dst[b + 1] = (byte)(q >> 8); dst[b + 2] = (byte)(q >> 16);
                    break;
                default: BinaryPrimitives.WriteInt32LittleEndian(dst[(4 * i)..], (int)q); break;
            }
        }
    }
}

/// <summary>Triangular (TPDF) dither of ±1 LSB from a small seeded xorshift generator; allocation free.</summary>
internal struct TpdfDither
{
    private ulong _state;

    public TpdfDither(ulong seed) => _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    /// <summary>Difference of two uniform [0,1) values: triangular on (−1, 1).</summary>
    public double Next() => NextUniform() - NextUniform();

    private double NextUniform()
    {
        _state ^= _state << 13;
        _state ^= _state >> 7;
        _state ^= _state << 17;
        return (_state >> 11) * (1.0 / (1UL << 53));
    }
}
