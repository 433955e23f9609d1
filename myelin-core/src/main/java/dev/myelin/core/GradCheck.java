package dev.myelin.core;

import java.util.function.Function;

/**
 * Checks an op's backward rule against central finite differences, like
 * {@code torch.autograd.gradcheck}. The scalar probed is {@code L = sum(f(x) * w)} for fixed random
 * weights w, accumulated in double; each input element is moved by ±eps and the slope
 * (L+ - L-) / 2eps is compared with the analytic gradient. Ops compute in float32, so eps is
 * larger than a float64 check would use (1e-2 by default) and tolerances are relative.
 *
 * <pre>{@code GradCheck.check(xs -> xs[0].tanh().matmul(xs[1]), a, b);}</pre>
 */
public final class GradCheck {
    private GradCheck() {}

    /** The largest discrepancy found, and where. */
    public record Result(double maxError, int input, int element, double analytic, double numeric) {}

    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, 1e-2, 2e-2, 2e-3, inputs);
    }

    /**
     * Runs the check and throws {@link AssertionError} naming the input, the element and both
     * values at the first element where |analytic - numeric| > atol + rtol * |numeric|.
     */
    public static Result check(Function<Tensor[], Tensor> f, double eps, double rtol, double atol, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (!t.isLeaf() || !t.requiresGrad()) throw new IllegalArgumentException("gradcheck inputs must be leaves with requiresGrad(true)");
            t.zeroGrad();
        }
        Tensor y = f.apply(inputs);
        Rng rng = new Rng(1234);
        Tensor w = Tensor.uniform(rng, -1f, 1f, y.shape());
        y.backward(w);
        float[] wd = w.toFloatArray();
        Result worst = new Result(0, -1, -1, 0, 0);
        for (int i = 0; i < inputs.length; i++) {
            Tensor x = inputs[i];
            Tensor g = x.grad();
            float[] analytic = g == null ? new float[x.numel()] : g.toFloatArray();
            float[] data = x.floatData();
            if (!x.isContiguous()) throw new IllegalArgumentException("gradcheck inputs must be contiguous leaves; make views inside f");
            int n = x.numel();
            int step = Math.max(1, n / 200); // probe at most ~200 elements of a large input
            for (int e = 0; e < n; e += step) {
                int p = x.offset() + e;
                float orig = data[p];
                data[p] = (float) (orig + eps);
                double plus = probe(f, inputs, wd);
                data[p] = (float) (orig - eps);
                double minus = probe(f, inputs, wd);
                data[p] = orig;
                double actualStep = ((double) (float) (orig + eps) - (double) (float) (orig - eps));
                double numeric = (plus - minus) / actualStep;
                double err = Math.abs(analytic[e] - numeric);
                if (err > atol + rtol * Math.abs(numeric)) {
                    throw new AssertionError("gradient mismatch for input " + i + " (shape " + Shape.format(x.shape()) + ") element " + e
                            + ": analytic " + analytic[e] + ", numeric " + numeric + " (tolerance " + (atol + rtol * Math.abs(numeric)) + ")");
                }
                if (err > worst.maxError()) worst = new Result(err, i, e, analytic[e], numeric);
            }
        }
        return worst;
    }

    private static double probe(Function<Tensor[], Tensor> f, Tensor[] inputs, float[] w) {
        try (var ignored = GradMode.noGrad()) {
            float[] y = f.apply(inputs).toFloatArray();
            double s = 0;
            for (int i = 0; i < y.length; i++) s += (double) y[i] * w[i];
            return s;
        }
    }
}
