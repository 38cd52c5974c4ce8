using VisionFactory.Imaging.Quality;

namespace VisionFactory.Imaging.Tests.Quality;

public sealed class DifferenceHashTests
{
    [Fact]
    public void DifferenceHashBarelyMovesForAPastedPatchAndRoundTripsThroughItsBytes()
    {
        const int side = 96;
        var random = new Random(3);

        // A smooth picture: brightness waves across and down.
        var photo = new byte[side * side * 3];
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                var value = 128 + (60 * Math.Sin((x * 0.15) + 1)) + (50 * Math.Cos((y * 0.11) + 2));
                var at = ((y * side) + x) * 3;
                photo[at] = photo[at + 1] = photo[at + 2] = (byte)Math.Clamp(value, 0, 255);
            }
        }

        // The same picture with a black patch an eighth of its side wide (a pasted object), and an unrelated picture.
        var patched = (byte[])photo.Clone();
        for (var y = 60; y < 72; y++)
        {
            for (var x = 40; x < 52; x++)
            {
                patched.AsSpan(((y * side) + x) * 3, 3).Clear();
            }
        }

        var other = new byte[side * side * 3];
        random.NextBytes(other);
        var hash = DifferenceHash.Of(photo, side);

        Assert.Equal(hash, DifferenceHash.FromBytes(hash.ToBytes()));
        Assert.Equal(0, hash.DistanceTo(DifferenceHash.Of(photo, side)));
        Assert.InRange(hash.DistanceTo(DifferenceHash.Of(patched, side)), 1, 10);
        Assert.True(hash.DistanceTo(DifferenceHash.Of(other, side)) > 80);
    }
}
