using System.Diagnostics;
using System.Security.Cryptography;
using RealtimeDenoise.Audio;
using Xunit.Abstractions;

namespace RealtimeDenoise.Host.Tests;

/// <summary>
/// A write that fails in the middle of a file, for real: `rtdenoise denoise` runs in a child process under a file-size
/// limit (`ulimit -f`, with SIGXFSZ ignored so the write fails with EFBIG as on a full disk instead of killing the
/// process). The output's temp file is then part written; an output already there must survive the failed overwrite.
/// </summary>
public class DenoiseWriteFailureTests(ITestOutputHelper log)
{
    private const int LimitKiB = 256;

    [Theory]
    [InlineData("--passthrough")]
    [InlineData("--mode", "offline")]
    public async Task AWriteFailureMidFile_ExitsWithAReason_AndKeepsTheOldOutputAndTheInput(params string[] mode)
    {
        Assert.True(OperatingSystem.IsLinux(), "this test uses bash's ulimit (Linux)");
        string dir = TestAudio.TempDir("writefail");
        try
        {
            // 3 s in; float32 at 48 kHz out is 576 KB, over the limit.
            string input = TestAudio.WriteWav(Path.Combine(dir, "in.wav"), WaveFormat.Pcm16(16000, 1), 3 * 16000);
            string output = Path.Combine(dir, "out.wav");
            TestAudio.WriteWav(output, WaveFormat.Pcm16(16000, 1), 1600, seed: 7);
            string inputHash = Hash(input), outputHash = Hash(output);

            string[] args = ["denoise", input, "-o", output, "--overwrite", "--format", "float32", "--rate", "48000", .. mode];
            string command = $"trap '' XFSZ; ulimit -f {LimitKiB}; exec dotnet exec '{typeof(Program).Assembly.Location}' " +
                string.Join(' ', args.Select(a => $"'{a}'"));
            var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(command);
            // The runtime's W^X double mapping writes code to a memory file, which the size limit would also stop.
            psi.Environment["DOTNET_EnableWriteXorExecute"] = "0";
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            bool exited = p.WaitForExit(TimeSpan.FromSeconds(60));
            if (!exited) p.Kill(entireProcessTree: true);
            Assert.True(exited, "denoise hung after a write failure");
            string err = await stderr + await stdout;
            log.WriteLine(err);

            Assert.Equal(1, p.ExitCode);
            Assert.Contains($"FAILED {input}", err);
            Assert.Contains($"{output}: writing failed", err);
            Assert.Equal(outputHash, Hash(output));
            Assert.Equal(inputHash, Hash(input));
            Assert.Equal(["in.wav", "out.wav"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
