using System.Security.Cryptography;
using PcapStream.Decoding;
using PcapStream.Flows;

namespace PcapStream.Tests.Flows;

/// <summary>The flow record identifiers: the hashes behind them match their references.</summary>
public sealed class FlowIdsTests
{
    [Fact]
    public void Murmur3MatchesTheReferenceVectors()
    {
        // Published MurmurHash3_x64_128 (seed 0) outputs of the reference implementation (smhasher).
        Span<byte> hash = stackalloc byte[16];
        FlowIds.Murmur3X64128("The quick brown fox jumps over the lazy dog"u8, hash);
        Assert.Equal("6c1b07bc7bbc4be347939ac4a93c437a", Convert.ToHexStringLower(hash));
        FlowIds.Murmur3X64128([], hash);
        Assert.Equal("00000000000000000000000000000000", Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void FlowIdIsDeterministicAndSeparatesSensorsKeysAndStarts()
    {
        var a = new FlowKey();
        string id = FlowIds.FlowId("sensor-1", a, 1_700_000_000_000_000_000);
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(id, FlowIds.FlowId("sensor-1", a, 1_700_000_000_000_000_000));
        Assert.NotEqual(id, FlowIds.FlowId("sensor-2", a, 1_700_000_000_000_000_000));
        Assert.NotEqual(id, FlowIds.FlowId("sensor-1", a, 1_700_000_000_000_000_001));
    }

    [Fact]
    public void ManagedCommunityIdHashEqualsThePlatformSha1()
    {
        // Every input length the Community ID can hash (IPv4 without ports .. IPv6 with ports).
        for (int length = 0; length <= 40; length++)
        {
            byte[] input = new byte[length];
            for (int i = 0; i < length; i++)
            {
                input[i] = (byte)(i * 37 + length);
            }
            byte[] managed = new byte[20];
            CommunityId.Sha1SingleBlock(input, managed);
            Assert.Equal(SHA1.HashData(input), managed);
        }
    }
}
