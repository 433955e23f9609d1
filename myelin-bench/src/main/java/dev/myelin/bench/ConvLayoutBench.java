package dev.myelin.bench;

import dev.myelin.backend.Backend;
import dev.myelin.backend.Backends;
import dev.myelin.backend.BinaryOp;
import dev.myelin.backend.Parallel;
import dev.myelin.core.Conv;
import dev.myelin.core.GradMode;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Why Myelin's convolutions are channels-last: the forward 3x3 convolution of an MNIST-sized CNN,
 * batch 64, VALID, in NHWC through {@link Conv#conv2d} (one im2col matrix of (N*OH*OW, KH*KW*C)
 * and one GEMM against the (KH*KW*C, Cout) kernel, whose output is already NHWC) against the
 * classic NCHW im2col (Caffe's: per image, a (C*KH*KW, OH*OW) column matrix and the GEMM
 * W (Cout, C*KH*KW) x col, output NCHW). Both call the same backend GEMM; the NCHW variant is
 * checked against the NHWC one at set-up before anything is timed.
 *
 * <pre>{@code java --add-modules jdk.incubator.vector -cp <bench jar + classpath> org.openjdk.jmh.Main ConvLayoutBench}</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class ConvLayoutBench {

    /** "HxWxC-Cout": the input image and the number of 3x3 filters. */
    @Param({"28x28x1-32", "26x26x32-64", "13x13x32-64"})
    public String layer;

    @Param({"64"})
    public int batch;

    @Param({"1"})
    public int threads;

    static final int K = 3;

    private int n, h, w, c, cout, oh, ow;
    private Tensor xNhwc, kernelNhwc, biasT;
    private float[] xNchw, kernelNchw, bias;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = layer.split("[x-]");
        n = batch;
        h = Integer.parseInt(parts[0]);
        w = Integer.parseInt(parts[1]);
        c = Integer.parseInt(parts[2]);
        cout = Integer.parseInt(parts[3]);
        oh = h - K + 1;
        ow = w - K + 1;
        Parallel.setThreads(threads);
        Rng rng = new Rng(42);
        xNhwc = Tensor.randn(rng, n, h, w, c);
        kernelNhwc = Tensor.randn(rng, K, K, c, cout);
        biasT = Tensor.randn(rng, cout);
        // The same numbers in the other layout: x (N, C, H, W), kernel (Cout, C, KH, KW).
        xNchw = xNhwc.permute(0, 3, 1, 2).toFloatArray();
        kernelNchw = kernelNhwc.permute(3, 2, 0, 1).toFloatArray();
        bias = biasT.toFloatArray();
        validate();
    }

    /** llm.c's habit: a kernel variant is checked against the other before it is timed. */
    private void validate() {
        float[] a = nhwc().permute(0, 3, 1, 2).toFloatArray(), b = nchw();
        double worst = 0, scale = 1;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        if (worst > 1e-4 * scale) throw new IllegalStateException("NCHW and NHWC convolutions differ by " + worst + " on " + layer);
    }

    /** Myelin's convolution: x (N, H, W, C), kernel (3, 3, C, Cout), output (N, OH, OW, Cout). */
    @Benchmark
    public Tensor nhwc() {
        try (var ignored = GradMode.noGrad()) {
            return Conv.conv2d(xNhwc, kernelNhwc, biasT);
        }
    }

    /**
     * NCHW im2col + GEMM, image by image: col[(c, kh, kw), (i, j)] = x[n, c, i + kh, j + kw], then
     * y[n] (Cout, OH*OW) = W (Cout, C*9) col + b.
     */
    @Benchmark
    public float[] nchw() {
        Backend be = Backends.current();
        int rows = c * K * K, pixels = oh * ow;
        float[] col = new float[rows * pixels];
        float[] y = new float[n * cout * pixels];
        for (int img = 0; img < n; img++) {
            for (int ch = 0; ch < c; ch++) {
                for (int kh = 0; kh < K; kh++) {
                    for (int kw = 0; kw < K; kw++) {
                        int r = (ch * K + kh) * K + kw;
                        for (int i = 0; i < oh; i++) {
                            // a run of OW inputs of one row of one channel
                            System.arraycopy(xNchw, ((img * c + ch) * h + i + kh) * w + kw, col, r * pixels + i * ow, ow);
                        }
                    }
                }
            }
            int yOff = img * cout * pixels;
            be.gemm(false, false, cout, pixels, rows, kernelNchw, 0, rows, col, 0, pixels, 0f, y, yOff, pixels);
            for (int o = 0; o < cout; o++) {
                be.binary(BinaryOp.ADD, y, yOff + o * pixels, 1, bias, o, 0, y, yOff + o * pixels, pixels);
            }
        }
        return y;
    }
}
