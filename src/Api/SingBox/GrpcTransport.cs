namespace Vpn.Perf.Api.SingBox;

/// <param name="ServiceName">gRPC service name; empty is allowed.</param>
internal sealed record GrpcTransport(string ServiceName) : TransportSpec;
