using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Hosting;

/// <summary>
/// Every string the Api reads from a JSON body goes through here (it is in the HTTP JSON options, which the
/// source-generated contexts honour): one that holds U+0000 is refused with <see cref="NulCharacterException"/>,
/// which the exception handler turns into a 400 <c>validation</c> problem naming the field. JSON can only carry NUL
/// as an escape (raw control characters are invalid), so unescaped values skip the scan.
/// </summary>
internal sealed class NulRejectingStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? value = reader.GetString();
        return value is not null && reader.ValueIsEscaped && value.Contains('\0', StringComparison.Ordinal) ? throw new NulCharacterException() : value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => Read(ref reader, typeToConvert, options) ?? "";

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
}
