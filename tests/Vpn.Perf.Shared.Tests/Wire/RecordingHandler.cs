using System.Globalization;
using System.Text;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>Collects a parsed batch into a canonical text dump, so two parses compare with one Assert.Equal.</summary>
internal struct RecordingHandler : ITrafficBatchHandler
{
    private StringBuilder? _text;

    public readonly string Text => _text?.ToString() ?? "";

    public void OnHeader(in BatchHeader header) => Append($"header {header}");

    public void OnReport(in TrafficReport report) => Append($"report {report}");

    public void OnAccessCount(int count) => Append($"access count {count}");

    public void OnAccess(in AccessEvent accessEvent, ReadOnlySpan<byte> note, bool hasNote) =>
        Append($"access {accessEvent} note {(hasNote ? "\"" + Encoding.UTF8.GetString(note) + "\"" : "nil")}");

    private void Append(FormattableString line) => (_text ??= new StringBuilder()).AppendLine(line.ToString(CultureInfo.InvariantCulture));
}
