namespace RealtimeDenoise.Models.OnnxRuntime;

/// <summary>The ONNX Runtime native library could not be found or loaded (the message lists where we looked).</summary>
public sealed class OrtLibraryNotFoundException(string message, Exception? inner = null) : Exception(message, inner);
