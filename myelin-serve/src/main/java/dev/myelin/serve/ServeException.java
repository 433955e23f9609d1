package dev.myelin.serve;

/**
 * A request that cannot be answered as asked: carries the HTTP status to answer with, the
 * message for the {@code {"error": "..."}} body, and for 503 the seconds a client should wait
 * before retrying (the Retry-After header).
 */
public class ServeException extends RuntimeException {
    private final int status;
    private final int retryAfterSeconds;

    public ServeException(int status, String message) {
        this(status, message, 0, null);
    }

    public ServeException(int status, String message, int retryAfterSeconds, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ServeException badRequest(String message) {
        return new ServeException(400, message);
    }

    static ServeException notFound(String message) {
        return new ServeException(404, message);
    }

    static ServeException tooLarge(String message) {
        return new ServeException(413, message);
    }

    static ServeException unavailable(String message, int retryAfterSeconds) {
        return new ServeException(503, message, retryAfterSeconds, null);
    }

    /** The HTTP status: 400 bad input, 401 no or bad token, 404 unknown model or version, 413 too large, 503 overloaded or not ready, 504 timeout. */
    public int status() {
        return status;
    }

    /** Seconds for the Retry-After header, or 0 for none. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
