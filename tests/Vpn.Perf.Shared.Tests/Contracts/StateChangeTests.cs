using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Shared.Tests.Contracts;

public sealed class StateChangeTests
{
    [Theory]
    [InlineData(StateChangeKind.Subscription)]
    [InlineData(StateChangeKind.Token)]
    public void TryParse_WhatToEntryWrote_IsTheSameChange(StateChangeKind kind)
    {
        var change = new StateChange(kind, Guid.NewGuid());

        Assert.True(StateChange.TryParse(new StreamEntry("1-0", change.ToEntry()), out StateChange read));
        Assert.Equal(change, read);
    }

    [Theory]
    [InlineData("plan", "0123456789abcdef0123456789abcdef")] // a kind a later Api may add
    [InlineData("sub", "not-an-id")]
    [InlineData(null, null)] // trimmed from the stream: no fields
    public void TryParse_NoticeThisVersionDoesNotKnow_IsRefused(string? kind, string? id)
    {
        NameValueEntry[] fields = kind is null ? [] : [new(StateChange.Fields.Kind, kind), new(StateChange.Fields.Id, id)];

        Assert.False(StateChange.TryParse(new StreamEntry("1-0", fields), out _));
    }

    [Fact]
    public void OverLimitEventTryParse_MissingOrMalformedField_IsRefused()
    {
        NameValueEntry[] whole =
        [
            new(OverLimitEvent.Fields.Subscription, Guid.NewGuid().ToString("N")), new(OverLimitEvent.Fields.PeriodStart, "0"),
            new(OverLimitEvent.Fields.Used, "5"), new(OverLimitEvent.Fields.Limit, "4"),
            new(OverLimitEvent.Fields.Node, Guid.NewGuid().ToString("N")), new(OverLimitEvent.Fields.At, "1700000000000"),
        ];
        Assert.True(OverLimitEvent.TryParse(new StreamEntry("1-0", whole), out OverLimitEvent parsed));
        Assert.Equal((5L, 4L), (parsed.Used, parsed.Limit));

        for (int i = 0; i < whole.Length; i++)
        {
            NameValueEntry[] without = [.. whole.Where((_, j) => j != i)];
            NameValueEntry[] garbled = [.. whole.Select((f, j) => j == i ? new NameValueEntry(f.Name, "x") : f)];
            Assert.False(OverLimitEvent.TryParse(new StreamEntry("1-0", without), out _));
            Assert.False(OverLimitEvent.TryParse(new StreamEntry("1-0", garbled), out _));
        }
    }
}
