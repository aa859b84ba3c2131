using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.ObjectStore;

/// <summary>Retries and error messages: every request to S3 goes through <see cref="RunAsync"/>.</summary>
public sealed partial class S3ObjectStore
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ShortestAttempt = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs one request, retrying transient failures with exponential backoff and jitter. Each attempt gets
    /// RequestTimeout and the whole operation MaxTotalTime, so a dead endpoint fails in bounded time with a
    /// message naming it. ObjectNotFoundException and ObjectStoreException from attempt pass through as they are.
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, string? key, Func<CancellationToken, Task<T>> attempt,
        CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        int refusals = 0;
        for (int attemptNumber = 1; ; attemptNumber++)
        {
            TimeSpan remaining = Options.MaxTotalTime - Stopwatch.GetElapsedTime(started);
            TimeSpan budget = remaining < Options.RequestTimeout ? remaining : Options.RequestTimeout;
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(budget > ShortestAttempt ? budget : ShortestAttempt); // a late backoff wake-up leaves little
            S3Failure failure;
            try
            {
                return await attempt(attemptTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (ObjectNotFoundException or ObjectStoreException))
            {
                cancellationToken.ThrowIfCancellationRequested();
                failure = S3Failure.Classify(e, attemptTimeout.IsCancellationRequested);
            }

            bool retry = failure.Kind switch
            {
                S3FailureKind.Transient or S3FailureKind.Timeout => attemptNumber <= Options.MaxRetries,
                S3FailureKind.ConnectionRefused => ++refusals <= Math.Min(Options.MaxConnectionRefusedRetries, Options.MaxRetries),
                _ => false,
            };
            TimeSpan backoff = Backoff(attemptNumber);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            if (!retry || elapsed + backoff >= Options.MaxTotalTime)
                throw new ObjectStoreException(Explain(failure, operation, key, attemptNumber, elapsed), failure.Exception);
            if (_logger is not null)
            {
                string status = failure.HttpStatus == 0 ? failure.Code : $"{failure.Code} (HTTP {failure.HttpStatus})";
                LogRetry(_logger, operation, key ?? string.Empty, Options.ServiceUrl, status, failure.Detail,
                    (int)backoff.TotalMilliseconds, attemptNumber + 1);
            }
            await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan Backoff(int attemptNumber)
    {
        double ms = FirstBackoff.TotalMilliseconds * Math.Pow(2, attemptNumber - 1);
        ms = Math.Min(ms, MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (0.5 + Random.Shared.NextDouble() / 2)); // jitter spreads retrying clients
    }

    /// <summary>One sentence on what failed, where, and what to do about it.</summary>
    private string Explain(S3Failure failure, string operation, string? key, int attempts, TimeSpan elapsed)
    {
        string endpoint = Options.ServiceUrl;
        string what = key is null ? $"{operation} in bucket '{_bucket}'" : $"{operation} of '{_keyPrefix}{key}' in bucket '{_bucket}'";
        string tries = attempts == 1 ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $" ({attempts} attempts in {elapsed.TotalSeconds:0.0} s)");
        string status = failure.HttpStatus == 0 ? failure.Code : $"{failure.Code} (HTTP {failure.HttpStatus})";
        return failure.Kind switch
        {
            S3FailureKind.ConnectionRefused =>
                $"S3 endpoint {endpoint} refused the connection for {what}{tries}: nothing listens there; start the S3 service or check --endpoint",
            S3FailureKind.Timeout =>
                $"S3 endpoint {endpoint} did not answer {what} within {Seconds(Options.RequestTimeout)}{tries}: "
                + "check that the service is up and reachable from this machine, or raise the request timeout",
            S3FailureKind.Transient =>
                $"S3 {what} at {endpoint} kept failing with {status}{tries}: {failure.Detail}. Check the S3 service's health and logs",
            _ => $"S3 {what} at {endpoint} failed with {status}: {Hint(failure)}",
        };
    }

    private string Hint(S3Failure failure) => failure.Code switch
    {
        "NoSuchBucket" => $"bucket '{_bucket}' does not exist at {Options.ServiceUrl}: create it or check --bucket",
        "InvalidBucketName" => $"'{_bucket}' is not a valid bucket name (3-63 lowercase letters, digits, '-', '.'): check --bucket",
        "InvalidAccessKeyId" => $"the access key '{Options.AccessKey}' is not known at {Options.ServiceUrl}: check --access-key",
        "SignatureDoesNotMatch" => $"the secret key does not belong to access key '{Options.AccessKey}': check --secret-key",
        "AccessDenied" or "Forbidden" or "AllAccessDisabled" =>
            $"access key '{Options.AccessKey}' was refused for bucket '{_bucket}': check --access-key, --secret-key and the bucket's policy",
        "RequestTimeTooSkewed" => "this machine's clock and the S3 service's differ by more than 15 minutes: synchronize the clock (NTP)",
        "AuthorizationHeaderMalformed" or "PermanentRedirect" or "IllegalLocationConstraintException" =>
            $"bucket '{_bucket}' lives in another region than '{Options.Region}': set --region",
        "NoSuchUpload" => "the multipart upload does not exist (completed or aborted already)",
        "EntityTooSmall" => "every part of a multipart upload but the last must be at least 5 MiB",
        "InvalidPart" or "InvalidPartOrder" => "a part number or ETag does not match the uploaded parts",
        "HostNotFound" => $"the host name of {Options.ServiceUrl} does not resolve: check --endpoint",
        "TlsError" => $"the TLS handshake with {Options.ServiceUrl} failed ({failure.Detail}): check http:// versus https:// in --endpoint and the certificate",
        "InvalidResponse" => $"{Options.ServiceUrl} did not answer like an HTTP server ({failure.Detail}): check --endpoint",
        _ when failure.HttpStatus == 403 =>
            $"access key '{Options.AccessKey}' was refused ({failure.Detail}): check --access-key, --secret-key and the bucket's policy",
        _ => failure.Detail,
    };

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "S3 {Operation} of '{Key}' at {Endpoint} failed with {Status}: {Detail}; retrying in {DelayMs} ms (attempt {Attempt})")]
    private static partial void LogRetry(ILogger logger, string operation, string key, string endpoint, string status, string detail,
        int delayMs, int attempt);

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.#} s");
}
