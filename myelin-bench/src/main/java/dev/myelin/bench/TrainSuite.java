package dev.myelin.bench;

import dev.myelin.nn.Batch;
import dev.myelin.nn.Sequential;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntToDoubleFunction;

/**
 * {@code bench/run train}: training throughput (samples/s) of the MLP, CNN and LSTM of
 * {@link Workload} on Myelin ({@code Sequential}, Adam, {@code trainStep} over pre-built batches)
 * and on PyTorch (DJL, {@link TorchModels.Training}), both on all cores, plus the peak resident
 * memory of a process doing only the CNN training, each side in a child JVM of its own.
 *
 * <p>Both sides start from Myelin's initial weights, so their first losses must agree; then each
 * warms up (its losses must fall), and then they are timed in alternating rounds of about
 * {@link SideBySide#REP_NANOS}; the median round gives samples/s. Cases can be narrowed with
 * {@code -Dbench.train.cases=mlp,cnn}.
 */
final class TrainSuite implements Suite {
    /** Pre-built batches each side cycles through. */
    static final int BATCHES = 8;
    static final long DATA_SEED = 20240601L;
    /** Training steps of each child JVM that measures peak RSS (-Dbench.train.rss.steps=N). */
    static final int RSS_STEPS = Integer.getInteger("bench.train.rss.steps", SideBySide.QUICK ? 16 : 64);
    static final String RSS_PREFIX = "PEAK_RSS_MB=";
    /**
     * Extra JVM flags for both RSS children, after this JVM's, separated by commas (bench/run
     * splits BENCH_JVM_OPTS at spaces): -Dbench.train.rss.flags=-Xms256m,-Xmx512m. Myelin's peak
     * RSS is mostly its Java heap, which grows with the garbage per step towards -Xmx.
     */
    static final String RSS_FLAGS = System.getProperty("bench.train.rss.flags", "");

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String about() {
        return "training samples/s of an MLP, a CNN and an LSTM (Adam), and the CNN's peak RSS: Myelin vs PyTorch (DJL)";
    }

    @Override
    public List<Result> run(Machine machine) throws Exception {
        System.out.println(TorchModels.load());
        System.out.println("myelin threads " + SideBySide.applyThreads() + (SideBySide.QUICK ? "; QUICK run: indicative numbers only" : ""));
        List<Result> results = new ArrayList<>();
        for (String c : SideBySide.cases("bench.train.cases", "mlp,cnn,lstm")) {
            Workload w = workload(c);
            results.add(throughput(w));
            if (w == Workload.CNN) results.add(peakRss(w));
        }
        return results;
    }

    static Workload workload(String caseName) {
        for (Workload w : Workload.values()) if (w.caseName.equals(caseName)) return w;
        throw new IllegalArgumentException("train: unknown case '" + caseName + "'; cases: mlp, cnn, lstm");
    }

    // ------------------------------------------------------------------ throughput

    private Result throughput(Workload w) {
        Workload.Data data = w.data(BATCHES, DATA_SEED);
        Sequential model = w.compiledMyelinModel();
        List<Batch> batches = data.myelinBatches();
        try (TorchModels.Training torch = new TorchModels.Training(data, model)) {
            IntToDoubleFunction mine = i -> model.trainStep(batches.get(i % BATCHES), List.of()).get("loss");
            IntToDoubleFunction theirs = i -> torch.step(i % BATCHES);

            // the same weights and batch: the same loss, before either side has updated anything
            double m0 = mine.applyAsDouble(0), t0 = theirs.applyAsDouble(0);
            System.out.printf(Locale.ROOT, "train %s: first loss myelin %.5f pytorch %.5f; %s%n", w.caseName, m0, t0, SideBySide.load());
            if (!(Math.abs(m0 - t0) < 1e-3)) {
                throw new AssertionError("train " + w.caseName + ": Myelin and PyTorch disagree on the first loss: " + m0 + " vs " + t0);
            }
            // each side's step count, continued by the timed rounds (it picks the batch)
            int[] nextM = {warmUp("myelin", w, mine, m0)}, nextT = {warmUp("pytorch", w, theirs, t0)};
            List<SideBySide.Measured> rates = SideBySide.alternate(List.of(
                    () -> rate(mine, nextM, w.batch),
                    () -> rate(theirs, nextT, w.batch)));
            double rm = rates.get(0).median(), rt = rates.get(1).median();
            System.out.printf(Locale.ROOT, "train %s samples/s per round: myelin %s; pytorch %s%n",
                    w.caseName, rates.get(0).describe(), rates.get(1).describe());
            return SideBySide.result("train", w.caseName, "samples_per_s", rm, "pytorch", rt);
        }
    }

    /**
     * Trains for at least {@link SideBySide#WARMUP_NANOS} and two passes over the batches, in
     * whole passes; the mean loss of the last pass must be below that of the first. Returns the
     * steps taken, the first included.
     */
    private static int warmUp(String side, Workload w, IntToDoubleFunction step, double firstLoss) {
        List<Double> losses = new ArrayList<>(List.of(firstLoss));
        List<Long> nanos = new ArrayList<>();
        long start = System.nanoTime();
        int s = 1;
        while (s < 2 * BATCHES || s % BATCHES != 0 || System.nanoTime() - start < SideBySide.WARMUP_NANOS) {
            long t0 = System.nanoTime();
            losses.add(step.applyAsDouble(s));
            nanos.add(System.nanoTime() - t0);
            s++;
        }
        double first = mean(losses.subList(0, BATCHES)), last = mean(losses.subList(s - BATCHES, s));
        List<Double> lastNanos = nanos.subList(nanos.size() - BATCHES, nanos.size()).stream().map(Long::doubleValue).toList();
        double stepNanos = SideBySide.median(lastNanos);
        System.out.printf(Locale.ROOT, "train %s %s: warm-up %d steps in %.1f s, mean loss first pass %.4f, last pass %.4f, %.1f ms/step%n",
                w.caseName, side, s, (System.nanoTime() - start) / 1e9, first, last, stepNanos / 1e6);
        if (!(last < first)) {
            throw new AssertionError("train " + w.caseName + " " + side + ": the loss did not fall in warm-up: " + first + " -> " + last);
        }
        return s;
    }

    /**
     * Samples/s over whole steps for about {@link SideBySide#REP_NANOS} (at least 2 steps),
     * continuing the side's step count in {@code next[0]}.
     */
    private static double rate(IntToDoubleFunction step, int[] next, int batch) {
        long t0 = System.nanoTime(), now;
        int steps = 0;
        do {
            step.applyAsDouble(next[0]++);
            steps++;
            now = System.nanoTime();
        } while (steps < 2 || now - t0 < SideBySide.REP_NANOS);
        return (double) steps * batch / ((now - t0) / 1e9);
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    // ------------------------------------------------------------------ peak RSS, in child JVMs

    /**
     * Peak resident memory (VmHWM) of a JVM doing only {@code w}'s training, Myelin's and
     * PyTorch's each in a child started with this JVM's java, flags and class path.
     */
    private Result peakRss(Workload w) throws IOException, InterruptedException {
        double mine = child(w, "myelin"), theirs = child(w, "pytorch");
        System.out.printf(Locale.ROOT, "train %s peak RSS (%d steps, one child JVM each, flags %s): myelin %.1f MB  pytorch %.1f MB%n",
                w.caseName, RSS_STEPS, childFlags() + (RSS_FLAGS.isBlank() ? "" : " + " + RSS_FLAGS), mine, theirs);
        return SideBySide.result("train", w.caseName, "peak_rss_mb", mine, "pytorch", theirs);
    }

    /** This JVM's flags less the ones a child must not repeat (a flight recording would overwrite this one's file). */
    private static List<String> childFlags() {
        List<String> flags = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-XX:StartFlightRecording") || a.startsWith("-XX:FlightRecorderOptions")
                    || a.startsWith("-agentlib") || a.startsWith("-agentpath") || a.startsWith("-javaagent")) continue;
            flags.add(a);
        }
        return flags;
    }

    private static double child(Workload w, String side) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(childFlags());
        for (String f : RSS_FLAGS.trim().split("[\\s,]+")) if (!f.isEmpty()) cmd.add(f);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainSuite.class.getName(), "rss", w.caseName, side));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Double rss = null;
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
                if (line.startsWith(RSS_PREFIX)) rss = Double.parseDouble(line.substring(RSS_PREFIX.length()).trim());
                else if (line.startsWith("child ")) System.out.println("  " + line);
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || rss == null) {
            throw new IllegalStateException("train " + w.caseName + " " + side + " child exited " + rc + ":\n  " + String.join("\n  ", lines));
        }
        return rss;
    }

    /** Peak resident set of this process in MB (VmHWM of /proc/self/status). */
    static double peakRssMb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
        }
        throw new IOException("no VmHWM in /proc/self/status");
    }

    /**
     * The child JVM: {@code rss CASE myelin|pytorch} trains for {@link #RSS_STEPS} steps on the
     * pre-built batches and prints its peak RSS as {@code PEAK_RSS_MB=<v>}.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !args[0].equals("rss")) {
            System.err.println("usage: TrainSuite rss mlp|cnn|lstm myelin|pytorch");
            System.exit(2);
        }
        SideBySide.applyThreads();
        Workload w = workload(args[1]);
        Workload.Data data = w.data(BATCHES, DATA_SEED);
        Sequential model = w.compiledMyelinModel();
        double first, last;
        long t0;
        switch (args[2]) {
            case "myelin" -> {
                List<Batch> batches = data.myelinBatches();
                first = model.trainStep(batches.get(0), List.of()).get("loss");
                t0 = System.nanoTime();
                last = first;
                for (int s = 1; s < RSS_STEPS; s++) last = model.trainStep(batches.get(s % BATCHES), List.of()).get("loss");
            }
            case "pytorch" -> {
                TorchModels.Training torch = new TorchModels.Training(data, model);
                first = torch.step(0);
                t0 = System.nanoTime();
                last = first;
                for (int s = 1; s < RSS_STEPS; s++) last = torch.step(s % BATCHES);
            }
            default -> throw new IllegalArgumentException("side must be myelin or pytorch, got " + args[2]);
        }
        double sps = (RSS_STEPS - 1.0) * w.batch / ((System.nanoTime() - t0) / 1e9);
        double peak = peakRssMb();
        Runtime rt = Runtime.getRuntime();
        double committed = rt.totalMemory() / 1048576.0;
        System.gc();
        double live = (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
        System.out.printf(Locale.ROOT, "child %s %s: %d steps, loss %.4f -> %.4f, %.1f samples/s (cold), java heap committed %.0f MB, live after GC %.0f MB%n",
                w.caseName, args[2], RSS_STEPS, first, last, sps, committed, live);
        System.out.println(RSS_PREFIX + String.format(Locale.ROOT, "%.1f", peak));
        System.out.flush();
        System.exit(0); // DJL's and Myelin's threads are daemons, but do not wait on anything else either
    }
}
