using System;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Bounded retries with exponential backoff and jitter (Polly), honouring Retry-After. Wraps
    /// whole operations (a request, or a whole blob upload that restarts from a new session).
    /// </summary>
    public sealed class RetryPolicy
    {
        private readonly ResiliencePipeline _pipeline;

        public RetryPolicy(RegistryOptions options, Action<string>? onRetry = null)
        {
            Retries = options.MaxRetries;
            var builder = new ResiliencePipelineBuilder();
            if (options.MaxRetries > 0)
            {
                builder.AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryBaseDelay,
                    MaxDelay = TimeSpan.FromSeconds(30),
                    ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is Exception e && RegistryFailures.IsTransient(e, args.Context.CancellationToken)),
                    DelayGenerator = args =>
                    {
                        // Retry-After wins over the computed backoff, capped so a build cannot hang.
                        if (args.Outcome.Exception is TransientResponseException t && t.RetryAfter is TimeSpan after)
                            return new ValueTask<TimeSpan?>(after > options.MaxRetryAfter ? options.MaxRetryAfter : after);
                        return new ValueTask<TimeSpan?>((TimeSpan?)null);
                    },
                    OnRetry = args =>
                    {
                        Interlocked.Increment(ref _retriesMade);
                        onRetry?.Invoke($"attempt {args.AttemptNumber + 1} failed ({Describe(args.Outcome.Exception)}); retrying in {args.RetryDelay.TotalSeconds:0.##} s");
                        return default;
                    },
                });
            }
            _pipeline = builder.Build();
        }

        public int Retries { get; }

        private int _retriesMade;

        /// <summary>Retries made so far through this policy (for the log and tests).</summary>
        public int RetriesMade => _retriesMade;

        private static string Describe(Exception? e) => e == null ? "no answer" : e is TransientResponseException t ? "HTTP " + t.Status : RegistryFailures.Describe(e);

        public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken ct) =>
            await _pipeline.ExecuteAsync(async token => await action(token).ConfigureAwait(false), ct).ConfigureAwait(false);
    }
}
