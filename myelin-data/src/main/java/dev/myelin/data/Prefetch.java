package dev.myelin.data;

import dev.myelin.nn.Batch;
import dev.myelin.nn.BatchSource;

import java.lang.ref.Cleaner;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Reads another {@link BatchSource} on a background thread, up to {@code bufferSize} batches
 * ahead, so the training loop does not wait for reading and batch assembly (tf.data's
 * {@code prefetch}). Each epoch gets its own daemon thread, which ends when the epoch is
 * exhausted, when the iterator is closed, or, for an iterator dropped early, once the garbage
 * collector finds it. An exception in the background thread reaches the consumer from
 * {@code hasNext()}/{@code next()} as a {@link CompletionException} whose cause is the original.
 * The batches and their order are exactly the wrapped source's.
 *
 * <pre>{@code model.fit(Prefetch.of(Dataset.of(x, y).shuffle(1).batch(64), 2), null, options);}</pre>
 */
public final class Prefetch implements BatchSource {
    private static final ThreadFactory THREADS = Iterators.daemonThreads("myelin-prefetch");
    private static final Object END = new Object();

    private final BatchSource source;
    private final int bufferSize;

    private Prefetch(BatchSource source, int bufferSize) {
        this.source = source;
        this.bufferSize = bufferSize;
    }

    /** Prefetches {@code source}, keeping at most {@code bufferSize} (at least 1) batches ready. */
    public static Prefetch of(BatchSource source, int bufferSize) {
        if (source == null) throw new IllegalArgumentException("prefetch: the source is null");
        if (bufferSize < 1) throw new IllegalArgumentException("prefetch: buffer size must be at least 1, got " + bufferSize);
        return new Prefetch(source, bufferSize);
    }

    public BatchSource source() {
        return source;
    }

    public int bufferSize() {
        return bufferSize;
    }

    @Override
    public int batchesPerEpoch() {
        return source.batchesPerEpoch();
    }

    @Override
    public CloseableIterator<Batch> epoch(int epoch) {
        Producer p = new Producer(source, epoch, bufferSize);
        Consumer c = new Consumer(p, epoch);
        Thread t = THREADS.newThread(p);
        p.thread = t;
        t.start();
        return c;
    }

    /** A failure in the background thread, and which batch it was making. */
    private record Failure(Throwable cause, long batch) {}

    /** The background thread's work. It holds no reference to its {@link Consumer}, so a dropped consumer can be collected. */
    private static final class Producer implements Runnable {
        final BatchSource source;
        final int epoch;
        final BlockingQueue<Object> queue;
        volatile boolean stopped;
        volatile Thread thread;

        Producer(BatchSource source, int epoch, int bufferSize) {
            this.source = source;
            this.epoch = epoch;
            this.queue = new ArrayBlockingQueue<>(bufferSize);
        }

        @Override
        public void run() {
            Iterator<Batch> it = null;
            long made = 0;
            try {
                it = source.epoch(epoch);
                while (!stopped && it.hasNext()) {
                    Batch b = it.next();
                    made++;
                    if (!put(b)) return;
                }
                put(END);
            } catch (Throwable e) {
                if (!stopped) put(new Failure(e, made));
            } finally {
                try {
                    CloseableIterator.closeQuietly(it);
                } catch (RuntimeException ignored) {
                    // The epoch's data is out (or failed already); a failing close has nobody left to tell.
                }
            }
        }

        /** Waits for room, checking now and then whether the consumer has gone; false once stopped. */
        private boolean put(Object item) {
            try {
                while (!stopped) {
                    if (queue.offer(item, 50, TimeUnit.MILLISECONDS)) return true;
                }
            } catch (InterruptedException e) {
                stopped = true;
            }
            return false;
        }

        /** Stops the thread and drops what it made; run by close() and by the cleaner. */
        void stop() {
            stopped = true;
            Thread t = thread;
            if (t != null) t.interrupt();
            queue.clear();
        }
    }

    private static final class Consumer implements CloseableIterator<Batch> {
        private final Producer producer;
        private final int epoch;
        private final Cleaner.Cleanable cleanable;
        private Object next;
        private boolean finished;

        Consumer(Producer producer, int epoch) {
            this.producer = producer;
            this.epoch = epoch;
            this.cleanable = Iterators.CLEANER.register(this, producer::stop);
        }

        @Override
        public boolean hasNext() {
            if (finished) return false;
            if (next == null) {
                try {
                    next = producer.queue.take();
                } catch (InterruptedException e) {
                    close();
                    Thread.currentThread().interrupt();
                    throw new CancellationException("prefetch: interrupted while waiting for a batch of epoch " + epoch);
                }
            }
            if (next == END) {
                close();
                return false;
            }
            if (next instanceof Failure f) {
                close();
                throw new CompletionException("prefetch: the background thread failed making batch " + f.batch() + " of epoch " + epoch
                        + ": " + f.cause(), f.cause());
            }
            return true;
        }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            Batch b = (Batch) next;
            next = null;
            return b;
        }

        @Override
        public void close() {
            if (finished) return;
            finished = true;
            next = null;
            cleanable.clean();
        }
    }
}
