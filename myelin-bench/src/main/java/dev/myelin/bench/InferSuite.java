package dev.myelin.bench;

import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code bench/run infer}: inference of the MLP of {@link Workload#MLP} (784-256-256-10, softmax
 * out) with the same weights on Myelin, on PyTorch (DJL) and on ONNX Runtime: batch-1 latency
 * (median over many calls, case {@code mlp_b1}) and batch-256 throughput ({@code mlp_b256}).
 *
 * <p>Myelin's side is {@code model.forward(x)} inside {@code GradMode.noGrad()}, on an input
 * tensor made once; the peers get reused input tensors too. Every side copies its output into a
 * Java array. The three outputs must agree within 1e-4 before anything is timed; then the sides
 * are timed in alternating rounds and each comparison reports Myelin's median against the peer's.
 */
final class InferSuite implements Suite {
    static final long SEED = 77L;
    static final double TOLERANCE = 1e-4;
    /** Rounds are short (half a repetition per side), so twice as many as train's: a median robust to load bursts. */
    static final int ROUNDS = 2 * SideBySide.ROUNDS;

    @Override
    public String name() {
        return "infer";
    }

    @Override
    public String about() {
        return "MLP inference, batch-1 latency and batch-256 samples/s: Myelin vs PyTorch (DJL) and ONNX Runtime";
    }

    @Override
    public List<Result> run(Machine machine) throws Exception {
        System.out.println(TorchModels.load());
        System.out.println(OnnxMlp.describe());
        System.out.println("myelin threads " + SideBySide.applyThreads() + (SideBySide.QUICK ? "; QUICK run: indicative numbers only" : ""));
        Sequential model = Workload.MLP.myelinModel();
        List<Result> results = new ArrayList<>();
        for (String c : SideBySide.cases("bench.infer.cases", "mlp_b1,mlp_b256")) {
            switch (c) {
                case "mlp_b1" -> results.addAll(runCase(model, 1));
                case "mlp_b256" -> results.addAll(runCase(model, 256));
                default -> throw new IllegalArgumentException("infer: unknown case '" + c + "'; cases: mlp_b1, mlp_b256");
            }
        }
        return results;
    }

    private List<Result> runCase(Sequential model, int rows) throws Exception {
        String caseName = "mlp_b" + rows;
        float[] input = Workload.MLP.inputs(rows, SEED + rows);
        Tensor x = Tensor.wrap(input, rows, 784);
        Supplier<float[]> mine = () -> {
            try (var ignored = GradMode.noGrad()) {
                return model.forward(x).toFloatArray();
            }
        };
        try (TorchModels.Inference torch = new TorchModels.Inference(Workload.MLP, model, input, rows);
             OnnxMlp ort = new OnnxMlp(model, input, rows)) {
            Supplier<float[]> pt = torch::run, ox = ort::run;
            float[] ym = mine.get(), yp = pt.get(), yo = ox.get();
            double dp = SideBySide.maxAbsDiff(ym, yp), dox = SideBySide.maxAbsDiff(ym, yo);
            System.out.printf(Locale.ROOT, "infer %s: max |myelin - pytorch| %.2e, max |myelin - onnxruntime| %.2e%n", caseName, dp, dox);
            if (!(dp <= TOLERANCE && dox <= TOLERANCE)) {
                throw new AssertionError("infer " + caseName + ": outputs disagree beyond " + TOLERANCE + ": pytorch " + dp + ", onnxruntime " + dox);
            }
            List<Supplier<float[]>> sides = List.of(mine, pt, ox);
            for (Supplier<float[]> s : sides) warmUp(s);
            overheads(model, x, rows);

            List<SideBySide.Measured> m;
            String metric;
            if (rows == 1) {
                metric = "latency_us";
                m = SideBySide.alternate(ROUNDS, List.of(() -> latencyMicros(mine), () -> latencyMicros(pt), () -> latencyMicros(ox)));
            } else {
                metric = "samples_per_s";
                m = SideBySide.alternate(ROUNDS, List.of(() -> rate(mine, rows), () -> rate(pt, rows), () -> rate(ox, rows)));
            }
            System.out.printf(Locale.ROOT, "infer %s %s per round: myelin %s; pytorch %s; onnxruntime %s%n",
                    caseName, metric, m.get(0).describe(), m.get(1).describe(), m.get(2).describe());
            double vm = m.get(0).median();
            return List.of(SideBySide.result("infer", caseName, metric, vm, "pytorch", m.get(1).median()),
                    SideBySide.result("infer", caseName, metric, vm, "onnxruntime", m.get(2).median()));
        }
    }

    private static void warmUp(Supplier<float[]> side) {
        long start = System.nanoTime();
        int calls = 0;
        while (calls < 100 || System.nanoTime() - start < SideBySide.WARMUP_NANOS / 2) {
            side.get();
            calls++;
        }
        SideBySide.pause();
    }

    /** The median of single-call times over one repetition, in microseconds. */
    private static double latencyMicros(Supplier<float[]> side) {
        long[] t = new long[1 << 16];
        int n = 0;
        long start = System.nanoTime();
        while (n < t.length && (n < 200 || System.nanoTime() - start < SideBySide.REP_NANOS / 2)) {
            long t0 = System.nanoTime();
            side.get();
            t[n++] = System.nanoTime() - t0;
        }
        return SideBySide.median(t, n) / 1e3;
    }

    /** Samples/s over one repetition of about {@link SideBySide#REP_NANOS}. */
    private static double rate(Supplier<float[]> side, int rows) {
        long start = System.nanoTime(), now;
        int calls = 0;
        do {
            side.get();
            calls++;
            now = System.nanoTime();
        } while (now - start < SideBySide.REP_NANOS / 2);
        return (double) calls * rows / ((now - start) / 1e9);
    }

    /**
     * What else a Myelin user might call, timed once for the record (not compared): forward
     * without a no-grad scope (it records the autograd graph) and {@code predict(x, rows)} (which
     * slices the batch and copies the outputs into a new tensor).
     */
    private static void overheads(Sequential model, Tensor x, int rows) {
        Supplier<float[]> withGrad = () -> model.forward(x).toFloatArray();
        Supplier<float[]> predict = () -> model.predict(x, rows).toFloatArray();
        Supplier<float[]> noGrad = () -> {
            try (var ignored = GradMode.noGrad()) {
                return model.forward(x).toFloatArray();
            }
        };
        warmUp(withGrad);
        warmUp(predict);
        double a = latencyMicros(noGrad), b = latencyMicros(withGrad), c = latencyMicros(predict);
        System.out.printf(Locale.ROOT, "infer mlp_b%d myelin, median us per call: forward in noGrad %.1f, forward without noGrad %.1f, predict(x, %d) %.1f%n",
                rows, a, b, rows, c);
    }
}
