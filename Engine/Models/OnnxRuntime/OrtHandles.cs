using System.Runtime.InteropServices;

namespace RealtimeDenoise.Models.OnnxRuntime;

/// <summary>
/// Owns one native ONNX Runtime object and releases it exactly once, through the matching
/// Release function of the API table (on Dispose, or by the finalizer if the owner forgot).
/// A handle may keep another alive (a session keeps its environment) via SafeHandle reference counting.
/// </summary>
internal sealed class OrtHandle : SafeHandle
{
    private readonly OrtApi _api;
    private readonly int _releaseIndex;
    private readonly SafeHandle? _dependsOn;

    private OrtHandle(OrtApi api, int releaseIndex, SafeHandle? dependsOn) : base(0, ownsHandle: true)
    {
        _api = api;
        _releaseIndex = releaseIndex;
        _dependsOn = dependsOn;
    }

    /// <summary>
    /// Wraps the object <paramref name="create"/> returns; if <paramref name="dependsOn"/> is given it stays alive
    /// until this handle is released.
    /// </summary>
    public static OrtHandle Create(OrtApi api, int releaseIndex, Func<nint> create, SafeHandle? dependsOn = null)
    {
        var h = new OrtHandle(api, releaseIndex, dependsOn);
        bool added = false;
        try
        {
            dependsOn?.DangerousAddRef(ref added);
            h.SetHandle(create());
        }
        finally
        {
            if (h.handle == 0)
            {
                // Creation failed: nothing to release, give back the reference taken above.
                if (added) dependsOn!.DangerousRelease();
                h.SetHandleAsInvalid();
            }
        }
        return h;
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        _api.Release(_releaseIndex, handle);
        _dependsOn?.DangerousRelease();
        return true;
    }
}

/// <summary>UTF-8 copies of names, as the native <c>const char* const*</c> arrays Run takes; freed exactly once.</summary>
internal sealed class NativeNames : SafeHandle
{
    private readonly nint[] _strings;

    public NativeNames(IReadOnlyList<string> names) : base(0, ownsHandle: true)
    {
        _strings = new nint[names.Count];
        nint block = Marshal.AllocHGlobal(Math.Max(1, names.Count) * IntPtr.Size);
        SetHandle(block);
        for (int i = 0; i < names.Count; i++)
        {
            _strings[i] = Marshal.StringToCoTaskMemUTF8(names[i]);
            Marshal.WriteIntPtr(block, i * IntPtr.Size, _strings[i]);
        }
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The char** block; valid while this object is alive and not disposed.</summary>
    public unsafe nint* Pointer => (nint*)handle;

    protected override bool ReleaseHandle()
    {
        foreach (var s in _strings) Marshal.FreeCoTaskMem(s);
        Marshal.FreeHGlobal(handle);
        return true;
    }
}
