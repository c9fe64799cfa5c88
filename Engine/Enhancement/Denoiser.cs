using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Enhancement;

/// <summary>Settings of the offline (whole-buffer) enhancer.</summary>
public sealed class OfflineOptions
{
}

/// <summary>Settings of the streaming (frame-online) enhancer.</summary>
public sealed class StreamingOptions
{
}

/// <summary>Entry points that build enhancers from a speech model; used by the hosts and by plugin hosts.</summary>
public static class Denoiser
{
    public static IEnhancer CreateOffline(IVarianceModel model, OfflineOptions? options = null) =>
        throw new NotImplementedException("Offline enhancer: issue 5.");

    public static IStreamProcessor CreateStreaming(IVarianceModel model, StreamingOptions? options = null) =>
        throw new NotImplementedException("Streaming enhancer: issue 5.");
}
