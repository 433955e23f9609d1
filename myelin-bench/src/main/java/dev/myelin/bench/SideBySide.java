package dev.myelin.bench;

import dev.myelin.backend.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * What the train and infer suites share: their time budget (shortened for a smoke run), the
 * thread count, timing in alternating rounds that wait for other processes to quiet down and
 * record how busy those kept the cores, medians, and the RESULT they return.
 */
final class SideBySide {
    private SideBySide() {}

    /**
     * {@code -Dbench.quick=true} (or the environment variable {@code BENCH_QUICK=1}) shortens
     * every warm-up and repetition and runs 3 rounds: a smoke run of a minute or so, whose
     * numbers are only indicative.
     */
    static final boolean QUICK = Boolean.getBoolean("bench.quick") || "1".equals(System.getenv("BENCH_QUICK"))
            || "true".equalsIgnoreCase(System.getenv("BENCH_QUICK"));
    /** Alternating rounds per comparison (-Dbench.rounds=N). */
    static final int ROUNDS = Integer.getInteger("bench.rounds", QUICK ? 3 : 7);
    /** About how long one timed repetition lasts. */
    static final long REP_NANOS = QUICK ? 250_000_000L : 1_000_000_000L;
    /** Least warm-up per side before anything is timed, so the JIT has compiled the hot paths. */
    static final long WARMUP_NANOS = QUICK ? 1_000_000_000L : 4_000_000_000L;
    /**
     * Pause after each side's repetition: lets the idle pool threads of the library just timed
     * (Myelin's workers spin ~0.3 ms, libgomp's and ONNX Runtime's spin too) go quiet before the
     * other library is timed, on a machine with only 2 cores.
     */
    static final long PAUSE_MILLIS = 150;

    /**
     * {@code -Dbench.threads=N} runs every library on N threads: Myelin's team, libtorch's
     * intra-op threads, ONNX Runtime's intra-op pool. Unset, each keeps its default: all cores.
     */
    static final Integer THREADS = Integer.getInteger("bench.threads");

    /** Applies {@link #THREADS} to Myelin (the peers read it when they start); returns Myelin's thread count. */
    static int applyThreads() {
        if (THREADS != null) Parallel.setThreads(THREADS);
        return Parallel.threads();
    }

    /** The system load averages (1, 5, 15 min) and the core count: other processes' load makes timings noisy. */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return "load average " + f[0] + " " + f[1] + " " + f[2] + " on " + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (IOException | RuntimeException e) {
            return "load average unknown";
        }
    }

    /** Comma-separated case names from a system property, or all. */
    static List<String> cases(String property, String all) {
        return Arrays.stream(System.getProperty(property, all).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * Runs {@code ROUNDS} rounds; in each, every side takes one measurement, starting with a
     * different side each round so no side always follows the same one. Returns each side's
     * measurements.
     */
    static List<Measured> alternate(List<Supplier<Double>> sides) {
        return alternate(ROUNDS, sides);
    }

    /**
     * {@link #alternate(List)} over {@code rounds} rounds. Before each measurement it waits for
     * the machine to settle (see {@link #settle}), and it records how many cores other processes
     * kept busy during each measurement.
     */
    static List<Measured> alternate(int rounds, List<Supplier<Double>> sides) {
        List<Measured> out = new ArrayList<>();
        for (int i = 0; i < sides.size(); i++) out.add(new Measured(new ArrayList<>(), new ArrayList<>()));
        long[] budget = {QUICK ? 3_000_000_000L : 30_000_000_000L};
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < sides.size(); k++) {
                int i = (round + k) % sides.size();
                settle(budget);
                CpuTicks before = CpuTicks.now();
                double v = sides.get(i).get();
                out.get(i).values().add(v);
                out.get(i).othersBusy().add(CpuTicks.now().othersBusySince(before));
            }
        }
        return out;
    }

    /** One side's measurements, and the cores other processes kept busy during each. */
    record Measured(List<Double> values, List<Double> othersBusy) {
        double median() {
            return SideBySide.median(values);
        }

        /** "median (min..max, ±x%), others busy 0.05 cores (max 0.40)". */
        String describe() {
            double mean = othersBusy.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double max = othersBusy.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            return String.format(Locale.ROOT, "%s, others busy %.2f cores (max %.2f)", spread(values), mean, max);
        }
    }

    /**
     * Other processes may use this machine (on a shared 2-core box, other builds and tests come
     * and go): before each timed repetition, wait while they keep more than this many cores busy
     * (-Dbench.quiet.cores=X; 2 or more turns the wait off).
     */
    static final double QUIET_CORES = Double.parseDouble(System.getProperty("bench.quiet.cores", "0.3"));
    /** The longest wait for quiet before one repetition; the total per comparison is capped too (budget). */
    static final long QUIET_WAIT_NANOS = QUICK ? 1_000_000_000L : 3_000_000_000L;

    /**
     * Sleeps at least {@link #PAUSE_MILLIS} (the last library's pool threads go idle), then on
     * until other processes have kept fewer than {@link #QUIET_CORES} cores busy over the last
     * {@code PAUSE_MILLIS}, for at most {@link #QUIET_WAIT_NANOS} and while {@code budget[0]}
     * (nanoseconds, spent here) lasts.
     */
    static void settle(long[] budget) {
        long start = System.nanoTime();
        while (true) {
            CpuTicks t0 = CpuTicks.now();
            pause();
            double others = CpuTicks.now().othersBusySince(t0);
            long waited = System.nanoTime() - start;
            if (!(others >= QUIET_CORES) || waited >= QUIET_WAIT_NANOS || waited >= budget[0]) {
                budget[0] -= waited;
                return;
            }
        }
    }

    /**
     * Busy CPU time of the whole machine and of this process, in clock ticks (USER_HZ, 100 on
     * Linux), from /proc; NaN busy cores where /proc cannot be read.
     */
    record CpuTicks(long machine, long own, long nanos) {
        static final double TICKS_PER_SECOND = 100;

        static CpuTicks now() {
            try {
                // cpu  user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait
                String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long busy = 0;
                for (int i = 1; i <= 8 && i < cpu.length; i++) if (i != 4 && i != 5) busy += Long.parseLong(cpu[i]);
                // pid (comm) state ... utime stime: fields 14 and 15, counted after the ')' closing comm
                String self = Files.readString(Path.of("/proc/self/stat"));
                String[] f = self.substring(self.lastIndexOf(')') + 2).split(" ");
                long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                return new CpuTicks(busy, own, System.nanoTime());
            } catch (IOException | RuntimeException e) {
                return new CpuTicks(-1, -1, System.nanoTime());
            }
        }

        /** Cores that other processes kept busy, on average, from {@code then} to this moment. */
        double othersBusySince(CpuTicks then) {
            if (machine < 0 || then.machine < 0) return Double.NaN;
            double seconds = (nanos - then.nanos) / 1e9;
            return Math.max(0, ((machine - then.machine) - (own - then.own)) / (TICKS_PER_SECOND * seconds));
        }
    }

    static void pause() {
        try {
            Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double median(long[] xs, int n) {
        long[] s = Arrays.copyOf(xs, n);
        Arrays.sort(s);
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    /** "median (min..max, spread ±x%)" where the spread is half the range over the median. */
    static String spread(List<Double> xs) {
        double m = median(xs);
        double lo = xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double hi = xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%.1f (%.1f..%.1f, ±%.0f%%)", m, lo, hi, 50 * (hi - lo) / m);
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("outputs differ in length: " + a.length + " and " + b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    /**
     * A RESULT whose ratio is myelin / peer for every metric, as the issue asks ("for latency,
     * ratio is still myelin/peer"); {@link Result#ratio} gives that when {@code higherIsBetter}
     * is true, so that flag is set whatever the metric. For latency_us and peak_rss_mb a ratio
     * below 1 means Myelin is better.
     */
    static Result result(String suite, String caseName, String metric, double myelin, String peer, double other) {
        return new Result(suite, caseName, metric, true, myelin, peer, other);
    }
}
