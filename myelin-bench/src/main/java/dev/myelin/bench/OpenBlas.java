package dev.myelin.bench;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * OpenBLAS through the JavaCPP bindings, for side-by-side timings only. Matrices live in native
 * memory ({@link FloatPointer}), filled once outside the timed loops.
 */
final class OpenBlas {
    private OpenBlas() {}

    /** openblas_set_num_threads, as the JavaCPP presets expose it. */
    static void setThreads(int n) {
        openblas.blas_set_num_threads(n);
    }

    static String describe() {
        String core = System.getenv("OPENBLAS_CORETYPE");
        String s = "OPENBLAS version=" + openblas.OPENBLAS_VERSION.trim() + " threads=" + openblas.blas_get_num_threads()
                + " coretype=" + (core == null ? "auto-detected" : core + " (OPENBLAS_CORETYPE)");
        if (core != null && Machine.detect().avx512f() && !core.matches("(?i)skylakex|cooperlake|sapphirerapids")) {
            s += "\nOPENBLAS note: OPENBLAS_CORETYPE=" + core + " was already set, so OpenBLAS runs without its AVX-512 kernels;"
                    + " unset it (bench/run then picks SkylakeX) for the strongest comparison";
        }
        return s;
    }

    /** Row-major, no transpose: C = A * B + beta * C with A (m, k), B (k, n), C (m, n). */
    static void sgemm(int m, int n, int k, FloatPointer a, FloatPointer b, float beta, FloatPointer c) {
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans,
                m, n, k, 1f, a, k, b, n, beta, c, n);
    }

    static FloatPointer copyOf(float[] x) {
        FloatPointer p = new FloatPointer(x.length);
        p.put(x);
        return p;
    }
}
