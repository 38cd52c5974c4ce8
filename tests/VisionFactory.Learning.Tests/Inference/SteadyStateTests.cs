using System.Linq.Expressions;
using VisionFactory.Learning.Inference;

namespace VisionFactory.Learning.Tests.Inference;

/// <summary><see cref="SteadyState.WarmUp"/> runs until the JIT has settled, and no longer than its budget.</summary>
public sealed class SteadyStateTests
{
    [Fact]
    public void WarmUpGoesOnUntilPassesStopCompilingMethods()
    {
        // A pass just before the minimum compiles a new method (as a tier-up would): the warm-up must then go on
        // until a quiet stretch follows it.
        const int compilingPass = SteadyState.TieringPasses - 2;
        var passes = 0;
        var ran = SteadyState.WarmUp(() =>
        {
            if (++passes == compilingPass)
            {
                var x = Expression.Parameter(typeof(int));
                var compiled = Expression.Lambda<Func<int, int>>(Expression.Multiply(x, Expression.Constant(passes)), x).Compile();
                Assert.Equal(2 * compilingPass, compiled(2));
            }
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(passes, ran);
        Assert.True(ran >= compilingPass + SteadyState.QuietPasses, $"{ran} passes");
    }

    [Fact]
    public void WarmUpStopsAtItsMostPassesWhenCompilingNeverStops()
    {
        var passes = 0;
        var ran = SteadyState.WarmUp(() =>
        {
            // Every pass compiles something, as other threads of a busy process do.
            var x = Expression.Parameter(typeof(int));
            var compiled = Expression.Lambda<Func<int, int>>(Expression.Add(x, Expression.Constant(++passes)), x).Compile();
            Assert.Equal(passes + 1, compiled(1));
        }, TimeSpan.FromMinutes(1));

        Assert.Equal(SteadyState.MaxPasses, ran);
    }

    [Fact]
    public void WarmUpRunsAtLeastOnceAndStopsAtItsBudget()
    {
        Assert.Equal(1, SteadyState.WarmUp(() => { }, TimeSpan.Zero));

        var ran = SteadyState.WarmUp(() => Thread.Sleep(20), TimeSpan.FromMilliseconds(200));
        Assert.InRange(ran, 1, 11);
    }
}
