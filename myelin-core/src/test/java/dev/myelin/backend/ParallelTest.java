package dev.myelin.backend;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    @Test
    void coversEveryIndexExactlyOnce() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            Parallel.setThreads(threads);
            for (int n : new int[] {0, 1, 2, 7, 100, 1023, 10_000}) {
                for (int grain : new int[] {0, 1, 3, 64, 5000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    Parallel.forRange(n, grain, (from, to) -> {
                        if (from >= to) throw new AssertionError("empty chunk " + from + ".." + to);
                        for (int i = from; i < to; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "threads=" + threads + " n=" + n + " grain=" + grain + " index " + i);
                    }
                }
            }
        }
    }

    @Test
    void splitsOverSeveralThreadsWhenWorthIt() {
        Parallel.setThreads(2);
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        Parallel.forRange(2, 1, (from, to) -> {
            seen.add(Thread.currentThread());
            sleep(50); // each chunk waits, so one thread cannot run both
        });
        assertEquals(2, seen.size());
    }

    @Test
    void smallRangesRunInlineOnTheCaller() {
        Parallel.setThreads(4);
        Thread caller = Thread.currentThread();
        // 10 indices with grain 8: only one chunk's worth
        Parallel.forRange(10, 8, (from, to) -> {
            assertSame(caller, Thread.currentThread());
            assertEquals(0, from);
            assertEquals(10, to);
        });
    }

    @Test
    void nestedCallsRunInline() {
        Parallel.setThreads(2);
        assertFalse(Parallel.inParallelRegion());
        AtomicIntegerArray hits = new AtomicIntegerArray(4 * 100);
        Parallel.forRange(4, 1, (from, to) -> {
            assertTrue(Parallel.inParallelRegion());
            Thread outer = Thread.currentThread();
            for (int q = from; q < to; q++) {
                int base = q * 100;
                Parallel.forRange(100, 1, (f, t) -> {
                    assertSame(outer, Thread.currentThread());
                    assertEquals(0, f);
                    assertEquals(100, t);
                    for (int i = f; i < t; i++) hits.incrementAndGet(base + i);
                });
            }
        });
        assertFalse(Parallel.inParallelRegion());
        for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i));
        // a parallel stream's workers count as a parallel region too
        IntStream.range(0, 8).parallel().forEach(x -> {
            Thread outer = Thread.currentThread();
            if (outer.getName().startsWith("ForkJoinPool")) {
                Parallel.forRange(100, 1, (f, t) -> assertSame(outer, Thread.currentThread()));
            }
        });
    }

    @Test
    void exceptionsReachTheCaller() {
        Parallel.setThreads(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(100, 1, (from, to) -> {
            if (from > 0) throw new IllegalStateException("boom");
        }));
        assertEquals("boom", e.getMessage());
        assertFalse(Parallel.inParallelRegion());
        // the pool still works afterwards
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forRange(100, 1, (from, to) -> {
            for (int i = from; i < to; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < 100; i++) assertEquals(1, hits.get(i));
    }

    @Test
    void threadCountIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
        int old = Parallel.setThreads(3);
        assertEquals(3, Parallel.threads());
        assertEquals(3, Parallel.setThreads(old));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
