package dev.myelin.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An iterator that may hold a file, a thread or a pool, released by {@link #close()} and also when
 * it is exhausted. Closing twice, or after exhaustion, does nothing.
 *
 * <pre>{@code try (CloseableIterator<Sample> it = dataset.iterator()) { while (it.hasNext()) use(it.next()); }}</pre>
 */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {

    /** Releases what the iteration holds; later {@code hasNext()} calls return false. */
    @Override
    void close();

    /** {@code it} as a CloseableIterator: closing closes it when it is {@link AutoCloseable}, else does nothing. */
    static <T> CloseableIterator<T> wrap(Iterator<T> it) {
        if (it instanceof CloseableIterator<T> c) return c;
        return new CloseableIterator<>() {
            boolean closed;

            @Override
            public boolean hasNext() {
                return !closed && it.hasNext();
            }

            @Override
            public T next() {
                if (closed) throw new NoSuchElementException("the iterator is closed");
                return it.next();
            }

            @Override
            public void close() {
                if (closed) return;
                closed = true;
                closeQuietly(it);
            }
        };
    }

    /** Closes {@code o} when it is {@link AutoCloseable}; a checked exception comes back unchecked. */
    static void closeQuietly(Object o) {
        if (!(o instanceof AutoCloseable c)) return;
        try {
            c.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing " + o + " failed: " + e.getMessage(), e);
        }
    }
}
