using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace CurveFs.Mount.ObjectStore;

internal enum S3FailureKind
{
    /// <summary>Worth another attempt: 5xx, throttling, a dropped connection.</summary>
    Transient,
    /// <summary>Nothing listens at the endpoint: retried a couple of times only.</summary>
    ConnectionRefused,
    /// <summary>The attempt ran out of time.</summary>
    Timeout,
    /// <summary>Another attempt would fail the same way (4xx, bad host name, TLS).</summary>
    Permanent,
}

/// <summary>What went wrong in one attempt of one S3 request, for the retry decision and the error message.</summary>
internal readonly record struct S3Failure(S3FailureKind Kind, string Code, int HttpStatus, string Detail, Exception Exception)
{
    public static S3Failure Classify(Exception e, bool attemptTimedOut)
    {
        if (attemptTimedOut && e is OperationCanceledException or AmazonServiceException or IOException or HttpRequestException)
            return new(S3FailureKind.Timeout, "Timeout", 0, "no answer in time", e);

        if (e is AmazonServiceException { StatusCode: not 0 } service)
            return FromService(service); // the service answered; without a status the SDK wraps a network error

        if (Find<SocketException>(e) is SocketException socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => new(S3FailureKind.ConnectionRefused, "ConnectionRefused", 0, socket.Message, e),
                SocketError.HostNotFound or SocketError.NoData => new(S3FailureKind.Permanent, "HostNotFound", 0, socket.Message, e),
                _ => new(S3FailureKind.Transient, socket.SocketErrorCode.ToString(), 0, socket.Message, e),
            };
        }
        if (Find<HttpRequestException>(e) is HttpRequestException http)
        {
            return http.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => new(S3FailureKind.Permanent, "HostNotFound", 0, http.Message, e),
                HttpRequestError.SecureConnectionError => new(S3FailureKind.Permanent, "TlsError", 0, http.Message, e),
                HttpRequestError.InvalidResponse => new(S3FailureKind.Permanent, "InvalidResponse", 0, http.Message, e),
                _ => new(S3FailureKind.Transient, http.HttpRequestError.ToString(), 0, http.Message, e),
            };
        }
        if (Find<TimeoutException>(e) is not null || e is OperationCanceledException)
            return new(S3FailureKind.Timeout, "Timeout", 0, e.Message, e); // the SDK's own HTTP timeout
        if (Find<IOException>(e) is IOException io)
            return new(S3FailureKind.Transient, "IOError", 0, io.Message, e);
        if (e is AmazonServiceException other)
            return FromService(other);
        return new(S3FailureKind.Permanent, e.GetType().Name, 0, e.Message, e);
    }

    private static S3Failure FromService(AmazonServiceException e)
    {
        int status = (int)e.StatusCode;
        string code = !string.IsNullOrEmpty(e.ErrorCode) ? e.ErrorCode
            : status != 0 ? ((HttpStatusCode)status).ToString()
            : e.GetType().Name;
        bool transient = status >= 500 || status == 429
            || code is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "OperationAborted";
        return new(transient ? S3FailureKind.Transient : S3FailureKind.Permanent, code, status, e.Message, e);
    }

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
            if (e is T found) return found;
        return null;
    }
}
