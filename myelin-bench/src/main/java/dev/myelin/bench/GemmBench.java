package dev.myelin.bench;

import dev.myelin.backend.Backend;
import dev.myelin.backend.Backends;
import dev.myelin.backend.Parallel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH view of the square SGEMM kernel: Myelin's vector backend and OpenBLAS, time per product.
 * GFLOPS = 2 n^3 / time. Run with
 * {@code bench/run jmh GemmBench} (JMH options after it, e.g. {@code -p n=256 -p threads=2}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class GemmBench {

    @Param({"64", "128", "256", "512", "1024"})
    public int n;

    @Param({"1"})
    public int threads;

    private final Backend myelin = Backends.byName("vector");
    private float[] a, b, c;
    private FloatPointer pa, pb, pc;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(42);
        a = new float[n * n];
        b = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < n * n; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
            b[i] = (float) rnd.nextDouble(-1, 1);
        }
        pa = OpenBlas.copyOf(a);
        pb = OpenBlas.copyOf(b);
        pc = OpenBlas.copyOf(c);
        Parallel.setThreads(threads);
        OpenBlas.setThreads(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pa.close();
        pb.close();
        pc.close();
    }

    @Benchmark
    public float[] myelin() {
        myelin.gemm(false, false, n, n, n, a, 0, n, b, 0, n, 0f, c, 0, n);
        return c;
    }

    @Benchmark
    public FloatPointer openblas() {
        OpenBlas.sgemm(n, n, n, pa, pb, 0f, pc);
        return pc;
    }
}
