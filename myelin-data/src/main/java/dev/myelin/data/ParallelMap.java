package dev.myelin.data;

import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Applies a function on a small pool of daemon threads, keeping the upstream order (tf.data's
 * deterministic parallel map): the consumer's thread reads the upstream and keeps up to
 * {@code 2 * threads} applications in flight. The pool is shut down when the iterator is
 * exhausted, closed or fails; the workers of one dropped unclosed end after a second idle (and the
 * pool is shut down once the garbage collector notices).
 * A failure of the function reaches the consumer as a {@link CompletionException} whose cause is
 * the original exception.
 */
final class ParallelMap<T, R> implements CloseableIterator<R> {
    private final Iterator<T> upstream;
    private final Function<? super T, ? extends R> fn;
    private final int window;
    private final ExecutorService pool;
    private final Cleaner.Cleanable cleanable;
    private final ArrayDeque<Future<R>> inFlight = new ArrayDeque<>();
    private long index;
    private boolean closed;

    ParallelMap(Iterator<T> upstream, Function<? super T, ? extends R> fn, int threads) {
        if (threads < 1) throw new IllegalArgumentException("map: parallelism must be at least 1, got " + threads);
        this.upstream = upstream;
        this.fn = fn;
        this.window = 2 * threads;
        // Idle workers end after a second, so even a dropped, uncollected iterator leaves no thread behind for long.
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Iterators.daemonThreads("myelin-map"));
        p.allowCoreThreadTimeOut(true);
        this.pool = p;
        // The action must not reach this iterator, or it would never become unreachable.
        this.cleanable = Iterators.CLEANER.register(this, p::shutdownNow);
    }

    private void fill() {
        while (inFlight.size() < window && upstream.hasNext()) {
            T item = upstream.next();
            inFlight.add(pool.submit(() -> fn.apply(item)));
        }
    }

    @Override
    public boolean hasNext() {
        if (closed) return false;
        try {
            fill();
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
        if (inFlight.isEmpty()) {
            close();
            return false;
        }
        return true;
    }

    @Override
    public R next() {
        if (!hasNext()) throw new NoSuchElementException();
        Future<R> f = inFlight.poll();
        long k = index++;
        try {
            R r = f.get();
            if (r == null) throw new IllegalArgumentException("map: the function returned null for element " + k + "; it must return a Sample");
            return r;
        } catch (ExecutionException e) {
            close();
            Throwable cause = e.getCause();
            throw new CompletionException("map: the function failed on element " + k + ": " + cause, cause);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new CancellationException("map: interrupted while waiting for element " + k);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Future<R> f : inFlight) f.cancel(true);
        inFlight.clear();
        cleanable.clean();
        CloseableIterator.closeQuietly(upstream);
    }
}
