package dev.myelin.serve;

/**
 * A {@link Batcher}'s queue is full (its {@code max_queue_size}): the request was refused at once,
 * not queued. Status 503 with a Retry-After of 1 s; the server answers it as such.
 *
 * <pre>{@code
 * try { f = batcher.submit(sample); } catch (QueueFullException e) { dropOrRetryLater(sample); }
 * }</pre>
 */
public final class QueueFullException extends ServeException {
    public QueueFullException(String message) {
        super(503, message, 1, null);
    }
}
