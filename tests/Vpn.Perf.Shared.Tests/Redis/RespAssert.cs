using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis;

internal static class RespAssert
{
    /// <summary>Structural equality of two replies (type, null-ness, text, bytes, elements).</summary>
    public static void Same(RespValue expected, RespValue actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.IsNull, actual.IsNull);
        switch (expected.Type)
        {
            case RespType.SimpleString:
            case RespType.Error:
                Assert.Equal(expected.AsString(), actual.AsString());
                break;
            case RespType.Integer:
                Assert.Equal(expected.AsInt64(), actual.AsInt64());
                break;
            case RespType.BulkString:
                Assert.Equal(expected.AsBytes(), actual.AsBytes());
                break;
            case RespType.Array when !expected.IsNull:
                RespValue[] e = expected.AsArray()!, a = actual.AsArray()!;
                Assert.Equal(e.Length, a.Length);
                for (int i = 0; i < e.Length; i++)
                    Same(e[i], a[i]);
                break;
        }
    }
}
