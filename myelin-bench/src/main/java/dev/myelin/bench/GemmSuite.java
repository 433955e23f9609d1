package dev.myelin.bench;

import dev.myelin.backend.Backend;
import dev.myelin.backend.Backends;
import dev.myelin.backend.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Square SGEMM (C = A * B, row-major, no transposes) on Myelin's vector backend and on OpenBLAS,
 * at n = 64 .. 2048, on one thread and on all cores. Each side is validated against the other,
 * warmed up, then timed in alternating rounds of repetitions of about {@link #REP_NANOS}; the
 * median repetition gives the GFLOPS (2 n^3 flops per product).
 */
final class GemmSuite implements Suite {

    /** Sizes and thread counts can be narrowed for a quick look: -Dbench.gemm.sizes=256,1024 -Dbench.gemm.threads=1. */
    static final int[] SIZES = ints(System.getProperty("bench.gemm.sizes", "64,128,256,512,1024,2048"));
    static final long REP_NANOS = 60_000_000L;
    static final int REPS = 3;
    static final long WARMUP_NANOS = 3_000_000_000L;
    /**
     * Each side is measured in this many alternating rounds of {@link #REPS} repetitions, so that
     * load from other processes, which comes and goes over seconds, hits both sides alike.
     */
    static final int ROUNDS = 5;

    @Override
    public String name() {
        return "gemm";
    }

    @Override
    public String about() {
        return "sgemm GFLOPS, n = 64..2048 square, 1 thread and all cores: Myelin vector backend vs OpenBLAS";
    }

    @Override
    public List<Result> run(Machine machine) throws Exception {
        Backend myelin = Backends.byName("vector");
        warmUp(myelin);
        int[] threadCounts = ints(System.getProperty("bench.gemm.threads",
                machine.cores() > 1 ? "1," + machine.cores() : "1"));
        List<Result> results = new ArrayList<>();
        int oldThreads = Parallel.threads();
        try {
            for (int t : threadCounts) {
                Parallel.setThreads(t);
                OpenBlas.setThreads(t);
                System.out.println(OpenBlas.describe());
                for (int n : SIZES) results.add(runCase(myelin, n, t));
            }
        } finally {
            Parallel.setThreads(oldThreads);
        }
        return results;
    }

    private Result runCase(Backend myelin, int n, int threads) throws InterruptedException {
        SplittableRandom rnd = new SplittableRandom(n * 31L + threads);
        float[] a = random(rnd, n * n), b = random(rnd, n * n), c = new float[n * n];
        FloatPointer pa = OpenBlas.copyOf(a), pb = OpenBlas.copyOf(b), pc = OpenBlas.copyOf(c);
        try {
            Runnable mine = () -> myelin.gemm(false, false, n, n, n, a, 0, n, b, 0, n, 0f, c, 0, n);
            Runnable theirs = () -> OpenBlas.sgemm(n, n, n, pa, pb, 0f, pc);
            mine.run();
            theirs.run();
            float[] cb = new float[n * n];
            pc.get(cb);
            double err = maxRelativeError(c, cb);
            if (!(err < 1e-4)) throw new AssertionError("myelin and OpenBLAS disagree at n=" + n + ": max rel error " + err);

            double flops = 2.0 * n * n * n;
            List<Double> mineG = new ArrayList<>(), theirsG = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                long warm = round == 0 ? 3 * REP_NANOS : REP_NANOS / 2;
                mineG.addAll(measure(mine, flops, warm));
                Thread.sleep(100); // lets Myelin's idle workers park
                theirsG.addAll(measure(theirs, flops, warm));
                Thread.sleep(150); // lets OpenBLAS's idle threads stop spinning (their timeout is ~0.1 s)
            }
            double gm = median(mineG), go = median(theirsG);
            System.out.printf(Locale.ROOT, "gemm n=%d t=%d  myelin %.1f GFLOPS (%.1f..%.1f)  openblas %.1f GFLOPS (%.1f..%.1f)  maxRelErr %.1e%n",
                    n, threads, gm, min(mineG), max(mineG), go, min(theirsG), max(theirsG), err);
            return new Result("gemm", "n" + n + "_t" + threads, "GFLOPS", true, gm, "openblas", go);
        } finally {
            pa.close();
            pb.close();
            pc.close();
        }
    }

    /**
     * Gets the JIT to compile every path of Myelin's GEMM (edges, several cache blocks, the
     * threaded split) before anything is timed, so no repetition runs half-compiled code.
     */
    private static void warmUp(Backend myelin) {
        SplittableRandom rnd = new SplittableRandom(7);
        int[] sizes = {64, 100, 128, 256, 300, 512};
        long end = System.nanoTime() + WARMUP_NANOS;
        int round = 0;
        while (System.nanoTime() < end || round < 3) {
            for (int n : sizes) {
                float[] a = random(rnd, n * n), b = random(rnd, n * n), c = new float[n * n];
                myelin.gemm(false, false, n, n, n, a, 0, n, b, 0, n, 0f, c, 0, n);
            }
            round++;
        }
    }

    /**
     * Runs {@code op} for {@code warmNanos} (counting how many calls make one repetition of about
     * {@link #REP_NANOS}), then times {@link #REPS} repetitions; GFLOPS of each.
     */
    private static List<Double> measure(Runnable op, double flops, long warmNanos) {
        long start = System.nanoTime();
        int iters = 0;
        do {
            op.run();
            iters++;
        } while (System.nanoTime() - start < Math.min(REP_NANOS, warmNanos));
        for (long end = start + warmNanos; System.nanoTime() < end; ) op.run();
        List<Double> out = new ArrayList<>();
        for (int r = 0; r < REPS; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < iters; i++) op.run();
            long dt = System.nanoTime() - t0;
            out.add(flops * iters / dt);
        }
        return out;
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    private static float[] random(SplittableRandom rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    private static double maxRelativeError(float[] x, float[] y) {
        double scale = 0, err = 0;
        for (int i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(y[i]));
        for (int i = 0; i < x.length; i++) err = Math.max(err, Math.abs(x[i] - y[i]));
        return err / Math.max(scale, 1e-30);
    }

    static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
