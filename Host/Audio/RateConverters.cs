namespace RealtimeDenoise.Host.Audio;

/// <summary>Builds the streaming rate converter between two rates.</summary>
public static class RateConverters
{
    public static IRateConverter Create(int inputRate, int outputRate)
    {
        if (inputRate == outputRate) return new IdentityRateConverter(inputRate);
        throw new NotSupportedException($"resampling {inputRate} → {outputRate} Hz is not available yet; run at {outputRate} Hz (--rate {outputRate})");
    }
}
