package dev.myelin.compress;

import dev.myelin.backend.Backend;
import dev.myelin.backend.Backends;
import dev.myelin.backend.Parallel;
import dev.myelin.core.GradMode;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Layer;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;

import java.util.Locale;

/**
 * Times the int8 kernels and layers against float, best of repeated runs after warm-up (a
 * benchmark, not a test: run it by hand, on a quiet machine).
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... dev.myelin.compress.CompressBench [threads] [seconds per case]
 * </pre>
 */
public final class CompressBench {
    private CompressBench() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
        Parallel.setThreads(threads);
        System.out.printf(Locale.ROOT, "threads=%d, %d cores, best of repeated runs over %.1f s per case%n", threads, Runtime.getRuntime().availableProcessors(), seconds);
        Rng rng = new Rng(1);
        Backend be = Backends.current();
        for (int[] s : new int[][]{{1, 1024, 1024}, {1, 4096, 4096}, {32, 1024, 1024}, {256, 256, 1024}, {512, 512, 512}, {8192, 32, 144}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = Tensor.randn(rng, m, k).toFloatArray(), b = Tensor.randn(rng, k, n).toFloatArray(), c = new float[m * n];
            QTensor qa = QTensor.quantizeRows(a, 0, m, k), qw = QTensor.quantize(Tensor.randn(rng, n, k));
            byte[] ab = qa.values().byteData(), wb = qw.values().byteData();
            int[] ci = new int[m * n];
            float[] out = new float[m * n];
            double mac = (double) m * n * k;
            double tf = best(seconds, () -> be.gemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, c, 0, n));
            double ti = best(seconds, () -> Int8Gemm.vector(m, n, k, ab, 0, k, wb, 0, k, ci, 0, n));
            Int8Gemm.PackedB pw = Int8Gemm.pack(n, k, wb, 0, k);
            double tp = best(seconds, () -> Int8Gemm.packed(m, k, ab, 0, k, pw, ci, 0, n));
            double tq = best(seconds, () -> QTensor.quantizeRows(a, 0, m, k).matmulTransposed(qw, null, out, 0));
            System.out.printf(Locale.ROOT, "gemm m=%d n=%d k=%d: float %.1f GMAC/s | int8 dot tiles %.1f (%.2fx) | int8 packed %.1f (%.2fx) | quantize+int8+rescale %.1f (%.2fx)%n",
                    m, n, k, mac / tf, mac / ti, tf / ti, mac / tp, tf / tp, mac / tq, tf / tq);
        }
        for (int batch : new int[]{1, 64}) {
            Dense d = new Dense(1024, "relu");
            Tensor x = Tensor.randn(rng, batch, 1024);
            d.apply(x);
            layers("Dense 1024->1024 batch " + batch, d, QuantizedDense.from(d), x, seconds);
        }
        Conv2D conv = new Conv2D(32, 3, "relu").padding("same");
        Tensor img = Tensor.randn(rng, 8, 32, 32, 16);
        conv.apply(img);
        layers("Conv2D 3x3 16->32 on 8x32x32", conv, QuantizedConv2D.from(conv), img, seconds);
    }

    private static void layers(String what, Layer f, Layer q, Tensor x, double seconds) {
        try (var ignored = GradMode.noGrad()) {
            double tf = best(seconds, () -> f.apply(x)), tq = best(seconds, () -> q.apply(x));
            System.out.printf(Locale.ROOT, "%s: float %.3f ms | int8 %.3f ms (%.2fx)%n", what, tf / 1e6, tq / 1e6, tf / tq);
        }
    }

    /** Best time in ns of {@code body} over repeated runs for about {@code seconds} (at least 5 runs). */
    private static double best(double seconds, Runnable body) {
        for (int i = 0; i < 3; i++) body.run();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 5 || System.nanoTime() < end; r++) {
            long t0 = System.nanoTime();
            body.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }
}
