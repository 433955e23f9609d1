package dev.myelin.bench;

import java.util.Locale;

/**
 * One side-by-side comparison: Myelin's and another library's value of one metric on one case.
 * {@code ratio} is Myelin relative to the other library, so above 1 means Myelin is better
 * whether the metric is a throughput ({@code higherIsBetter}) or a time.
 */
public record Result(String suite, String caseName, String metric, boolean higherIsBetter,
                     double myelin, String otherName, double other) {

    public double ratio() {
        return higherIsBetter ? myelin / other : other / myelin;
    }

    /** {@code RESULT gemm n1024_t1 GFLOPS myelin=221.0 openblas=227.4 ratio=0.972}; without a peer ({@code otherName} null) {@code myelin=..} only. */
    public String line() {
        if (otherName == null) return String.format(Locale.ROOT, "RESULT %s %s %s myelin=%.1f", suite, caseName, metric, myelin);
        return String.format(Locale.ROOT, "RESULT %s %s %s myelin=%.1f %s=%.1f ratio=%.3f",
                suite, caseName, metric, myelin, otherName, other, ratio());
    }
}
