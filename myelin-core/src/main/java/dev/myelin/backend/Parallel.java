package dev.myelin.backend;

import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one team of worker threads Myelin's kernels share. Its size is {@link #threads()}, the
 * caller included: the system property {@code myelin.threads}, else the environment variable
 * {@code MYELIN_NUM_THREADS}, else the number of available processors; {@link #setThreads(int)}
 * changes it at run time.
 *
 * <p>{@link #forRange} splits an index range over the team. It runs the body inline, on the
 * calling thread, when the range is too small to split, when the caller already runs inside a
 * parallel region (a team worker, a {@code forRange} body, or any {@link java.util.concurrent.ForkJoinPool}
 * worker such as a parallel stream's), or when another thread is using the team at that moment;
 * so nested or concurrent parallel code never oversubscribes the cores.
 *
 * <p>Workers are daemon threads that stay awake (spinning, then yielding) for a fraction of a
 * millisecond after each job before they park, so back-to-back calls (the GEMMs of a training
 * step) hand work over in about a microsecond instead of paying a thread wake-up each time.
 *
 * <pre>{@code
 * Parallel.forRange(rows, 64, (from, to) -> { for (int i = from; i < to; i++) scaleRow(i); });
 * }</pre>
 */
public final class Parallel {
    private Parallel() {}

    public static final String PROPERTY = "myelin.threads";
    public static final String ENV = "MYELIN_NUM_THREADS";

    /** A body over the half-open index range [from, to). */
    @FunctionalInterface
    public interface IntRangeBody {
        void run(int from, int to);
    }

    /**
     * Waiting, by workers for the next job and by the caller for the workers, busy-spins for
     * {@code SPIN_NANOS}, then yields the CPU until {@code YIELD_NANOS}, then parks. Yielding
     * matters when the machine is oversubscribed: a thread spinning on the CPU the other one
     * needs would otherwise hold it for its whole time slice.
     */
    private static final long SPIN_NANOS = 20_000, YIELD_NANOS = 300_000;

    private static volatile int threads = fromSettings();
    /** {@code threads - 1} workers, made on first use; replaced by {@link #setThreads}. */
    private static volatile Team team;
    /** True on a thread while it runs a {@code forRange} chunk (always on workers), so nested calls run inline. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);
    private static final AtomicInteger WORKER_IDS = new AtomicInteger();

    /** How many threads a {@link #forRange} may use, the caller included. */
    public static int threads() {
        return threads;
    }

    /**
     * Sets how many threads {@link #forRange} may use (1 runs everything on the caller) and
     * returns the previous count. The old workers finish what they are running, then exit.
     *
     * <pre>{@code
     * int old = Parallel.setThreads(1); // e.g. while timing single-threaded
     * }</pre>
     */
    public static synchronized int setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be at least 1, got " + n);
        int old = threads;
        if (n != old) {
            Team t = team;
            team = null;
            threads = n;
            if (t != null) {
                // wait until no forRange uses the old team (unless this thread itself does), then retire it
                boolean mine = t.lock.isHeldByCurrentThread();
                if (!mine) t.lock.lock();
                try {
                    t.shutdown();
                } finally {
                    if (!mine) t.lock.unlock();
                }
            }
        }
        return old;
    }

    /** True when the current thread already runs inside a parallel region, where {@link #forRange} runs inline. */
    public static boolean inParallelRegion() {
        return INSIDE.get()[0] || ForkJoinTask.inForkJoinPool();
    }

    /**
     * Runs {@code body} over [0, n) split into at most {@link #threads()} contiguous chunks of at
     * least {@code grain} indices each; the caller runs the first chunk and waits for the others.
     * Every index is covered exactly once, by exactly one call. An exception thrown by any chunk
     * is rethrown here after all chunks have finished.
     *
     * <pre>{@code
     * Parallel.forRange(n, 4096, (from, to) -> backend.axpy(to - from, a, x, from, y, from));
     * }</pre>
     */
    public static void forRange(int n, int grain, IntRangeBody body) {
        if (n < 0) throw new IllegalArgumentException("range length must be non-negative, got " + n);
        if (n == 0) return;
        int chunks = (int) Math.min(threads, n / (long) Math.max(grain, 1));
        if (chunks <= 1 || inParallelRegion()) {
            body.run(0, n);
            return;
        }
        Team t = team();
        if (t == null || !t.lock.tryLock()) {
            // another thread has the team (or it is being replaced): the cores are busy anyway
            runInside(body, 0, n);
            return;
        }
        if (t.retired) {
            t.lock.unlock();
            runInside(body, 0, n);
            return;
        }
        try {
            t.run(Math.min(chunks, t.workers.length + 1), n, body);
        } finally {
            t.lock.unlock();
        }
    }

    private static void runInside(IntRangeBody body, int from, int to) {
        boolean[] inside = INSIDE.get();
        inside[0] = true;
        try {
            body.run(from, to);
        } finally {
            inside[0] = false;
        }
    }

    private static Team team() {
        Team t = team;
        if (t != null) return t;
        synchronized (Parallel.class) {
            if (team == null && threads > 1) team = new Team(threads - 1);
            return team;
        }
    }

    /** One job handed to one worker: a chunk of a range, and a place for its failure. */
    private record Job(IntRangeBody body, int from, int to, Throwable[] failures, int slot, AtomicInteger pending) {}

    /** The workers, and the lock a caller holds while it uses them. */
    private static final class Team {
        final ReentrantLock lock = new ReentrantLock();
        final Worker[] workers;
        /** Set under {@link #lock} by {@link #shutdown}; a retired team's workers are gone. */
        boolean retired;

        Team(int size) {
            workers = new Worker[size];
            for (int i = 0; i < size; i++) {
                workers[i] = new Worker();
                Thread th = new Thread(workers[i], "myelin-worker-" + WORKER_IDS.incrementAndGet());
                th.setDaemon(true);
                workers[i].thread = th;
                th.start();
            }
        }

        void run(int chunks, int n, IntRangeBody body) {
            Throwable[] failures = new Throwable[chunks];
            AtomicInteger pending = new AtomicInteger(chunks - 1);
            for (int c = 1; c < chunks; c++) {
                int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
                workers[c - 1].post(new Job(body, from, to, failures, c, pending));
            }
            try {
                runInside(body, 0, (int) ((long) n / chunks));
            } catch (Throwable e) {
                failures[0] = e;
            }
            // wait for the workers: chunks are usually even, so they are about done
            long start = System.nanoTime();
            while (pending.get() > 0) {
                long waited = System.nanoTime() - start;
                if (waited < SPIN_NANOS) Thread.onSpinWait();
                else if (waited < YIELD_NANOS) Thread.yield();
                else LockSupport.parkNanos(20_000);
            }
            Throwable failure = null;
            for (Throwable e : failures) {
                if (e == null) continue;
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
            if (failure instanceof RuntimeException r) throw r;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new IllegalStateException(failure);
        }

        void shutdown() {
            retired = true;
            for (Worker w : workers) w.stop();
        }
    }

    /** Runs posted jobs; after each one it spins, then yields, then parks until the next. */
    private static final class Worker implements Runnable {
        Thread thread;
        private volatile Job job;
        private volatile boolean parked;
        /** Set by {@link #stop}: the worker exits once it has no job, so a posted job is never lost. */
        private volatile boolean stopping;

        void stop() {
            stopping = true;
            LockSupport.unpark(thread);
        }

        void post(Job j) {
            job = j;
            // Dekker pairing with run(): either the worker sees the job before parking, or we see it parked.
            if (parked) LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            INSIDE.get()[0] = true;
            long idleSince = System.nanoTime();
            while (true) {
                Job j = job;
                if (j == null) {
                    if (stopping) return;
                    long idle = System.nanoTime() - idleSince;
                    if (idle < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else if (idle < YIELD_NANOS) {
                        Thread.yield();
                    } else {
                        parked = true;
                        if (job == null && !stopping) LockSupport.park(this);
                        parked = false;
                    }
                    continue;
                }
                job = null;
                try {
                    j.body().run(j.from(), j.to());
                } catch (Throwable e) {
                    j.failures()[j.slot()] = e;
                }
                j.pending().decrementAndGet();
                idleSince = System.nanoTime();
            }
        }
    }

    private static int fromSettings() {
        String s = System.getProperty(PROPERTY);
        String from = "-D" + PROPERTY;
        if (s == null || s.isBlank()) {
            s = System.getenv(ENV);
            from = ENV;
        }
        if (s == null || s.isBlank()) return Math.max(1, Runtime.getRuntime().availableProcessors());
        try {
            int n = Integer.parseInt(s.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(from + " must be a positive thread count, got '" + s + "'");
    }
}
