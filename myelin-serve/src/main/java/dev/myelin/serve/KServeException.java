package dev.myelin.serve;

import java.io.IOException;

/** An error answer from a KServe v2 server: the HTTP status and the server's {"error"} message. */
public final class KServeException extends IOException {
    private final int status;
    private final int retryAfterSeconds;

    public KServeException(int status, String message) {
        this(status, message, 0);
    }

    public KServeException(int status, String message, int retryAfterSeconds) {
        super("HTTP " + status + ": " + message);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The server's Retry-After in seconds (with 503: overloaded or not ready), or 0 when it sent none. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The HTTP status: 400 bad input, 401 token, 404 unknown model, 413 too large, 503 overloaded or not ready, 504 timeout. */
    public int status() {
        return status;
    }
}
