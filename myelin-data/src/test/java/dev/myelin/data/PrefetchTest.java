package dev.myelin.data;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Batch;
import dev.myelin.nn.BatchSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.myelin.data.DatasetTest.ids;
import static dev.myelin.data.DatasetTest.rowsX;
import static org.junit.jupiter.api.Assertions.*;

class PrefetchTest {

    /**
     * A source of {@code count} one-row batches (count < 0: endless) that sleeps {@code sleepMs}
     * before each, remembers the thread that reads it and fails at batch {@code failAt} (if >= 0).
     */
    static final class SlowSource implements BatchSource {
        final int count;
        final long sleepMs;
        final int failAt;
        final AtomicReference<Thread> reader = new AtomicReference<>();
        final AtomicInteger made = new AtomicInteger();
        final RuntimeException failure = new IllegalStateException("disk on fire");

        SlowSource(int count, long sleepMs, int failAt) {
            this.count = count;
            this.sleepMs = sleepMs;
            this.failAt = failAt;
        }

        @Override
        public Iterator<Batch> epoch(int epoch) {
            reader.set(Thread.currentThread());
            return new Iterator<>() {
                int i;

                @Override
                public boolean hasNext() {
                    return count < 0 || i < count;
                }

                @Override
                public Batch next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    if (i == failAt) throw failure;
                    sleep(sleepMs);
                    made.incrementAndGet();
                    int k = i++;
                    return new Batch(Tensor.of(new float[]{k, epoch}, 1, 2), Tensor.of(new float[]{k}, 1));
                }
            };
        }

        @Override
        public int batchesPerEpoch() {
            return count;
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void awaitDeath(Thread t) throws InterruptedException {
        t.join(5000);
        assertFalse(t.isAlive(), t.getName() + " is still running");
    }

    @Test
    void givesExactlyTheSourcesBatchesInOrderOnADaemonThread() throws Exception {
        Batches source = Dataset.of(rowsX(23), ids(23)).shuffle(4).batch(5);
        Prefetch p = source.prefetch(2);
        assertEquals(5, p.batchesPerEpoch());
        for (int epoch = 0; epoch < 3; epoch++) {
            List<Batch> expected = new ArrayList<>();
            source.epoch(epoch).forEachRemaining(expected::add);
            List<Batch> got = new ArrayList<>();
            p.epoch(epoch).forEachRemaining(got::add);
            assertEquals(expected.size(), got.size());
            for (int i = 0; i < got.size(); i++) {
                assertArrayEquals(expected.get(i).x().get(0).toFloatArray(), got.get(i).x().get(0).toFloatArray());
                assertArrayEquals(expected.get(i).y().get(0).toLongArray(), got.get(i).y().get(0).toLongArray());
            }
        }
        SlowSource slow = new SlowSource(3, 0, -1);
        Iterator<Batch> it = Prefetch.of(slow, 1).epoch(0);
        assertTrue(it.hasNext());
        Thread t = slow.reader.get();
        assertNotSame(Thread.currentThread(), t);
        assertTrue(t.isDaemon());
        assertTrue(t.getName().startsWith("myelin-prefetch"), t.getName());
        it.forEachRemaining(b -> {});
        assertFalse(it.hasNext());
        awaitDeath(t);
    }

    @Test
    void producerAndConsumerOverlap() {
        // Each side sleeps 100 ms per batch: in turn that is 2 s for 10 batches, overlapped about 1.1 s.
        int n = 10;
        long ms = 100;
        SlowSource slow = new SlowSource(n, ms, -1);
        long start = System.nanoTime();
        int seen = 0;
        for (Iterator<Batch> it = Prefetch.of(slow, 2).epoch(0); it.hasNext(); ) {
            it.next();
            sleep(ms);
            seen++;
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(n, seen);
        long serial = 2 * n * ms;
        assertTrue(elapsedMs < 0.85 * serial, "took " + elapsedMs + " ms; without overlap it takes " + serial + " ms");
    }

    @Test
    void theBufferBoundsHowFarTheProducerRunsAhead() throws Exception {
        SlowSource endless = new SlowSource(-1, 0, -1);
        try (CloseableIterator<Batch> it = Prefetch.of(endless, 3).epoch(0)) {
            it.next();
            Thread.sleep(200);
            // One handed out, three queued, one made and waiting for room.
            assertTrue(endless.made.get() <= 5, "made " + endless.made.get());
        }
    }

    @Test
    void aProducerFailureReachesTheConsumerWithTheOriginalCause() throws Exception {
        SlowSource failing = new SlowSource(10, 0, 4);
        Iterator<Batch> it = Prefetch.of(failing, 2).epoch(3);
        for (int i = 0; i < 4; i++) assertEquals(i, (int) it.next().y().get(0).item());
        var e = assertThrows(CompletionException.class, it::hasNext);
        assertSame(failing.failure, e.getCause());
        assertTrue(e.getMessage().contains("batch 4 of epoch 3") && e.getMessage().contains("disk on fire"), e.getMessage());
        assertFalse(it.hasNext());
        awaitDeath(failing.reader.get());
    }

    @Test
    void closingEarlyStopsTheThread() throws Exception {
        SlowSource endless = new SlowSource(-1, 1, -1);
        CloseableIterator<Batch> it = Prefetch.of(endless, 2).epoch(0);
        it.next();
        it.next();
        it.close();
        assertFalse(it.hasNext());
        awaitDeath(endless.reader.get());
        // Closing a pipeline with a parallel map stops that pool too.
        CloseableIterator<Batch> mapped = Dataset.of(rowsX(200), ids(200)).map(s -> s, 2).batch(4).prefetch(2).epoch(0);
        mapped.next();
        mapped.close();
        DatasetTest.assertNoLiveThreads("myelin-map");
    }

    @Test
    void aDroppedIteratorsThreadEndsOnceItIsCollected() throws Exception {
        SlowSource endless = new SlowSource(-1, 0, -1);
        Iterator<Batch> it = Prefetch.of(endless, 1).epoch(0);
        it.next();
        Thread t = endless.reader.get();
        it = null; // dropped unclosed, as fit does when a callback stops training mid-epoch
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (t.isAlive() && System.nanoTime() < deadline) {
            System.gc();
            t.join(50);
        }
        assertFalse(t.isAlive(), "the prefetch thread of a dropped iterator is still running");
    }

    @Test
    void badArgumentsAreRejected() {
        BatchSource s = new SlowSource(1, 0, -1);
        var e = assertThrows(IllegalArgumentException.class, () -> Prefetch.of(s, 0));
        assertTrue(e.getMessage().contains("at least 1, got 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Prefetch.of(null, 2));
    }
}
