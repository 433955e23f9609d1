package dev.myelin.bench;

import dev.myelin.compress.Calibration;
import dev.myelin.compress.PolynomialDecay;
import dev.myelin.compress.Pruning;
import dev.myelin.compress.PruningCallback;
import dev.myelin.compress.QuantizeOptions;
import dev.myelin.compress.Quantizer;
import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.FitOptions;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Dropout;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.MaxPooling2D;
import dev.myelin.nn.optimizers.Adam;
import dev.myelin.nn.optimizers.Optimizer;
import dev.myelin.nn.optimizers.RMSprop;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * {@code bench/run compress}: the quickstart's MNIST models (the Keras convnet of
 * {@code examples/specs/mnist-cnn.yaml} and the 784-512-512-10 MLP of {@code mnist-mlp.json})
 * against their compressed forms, on the real MNIST test set:
 * <ul>
 *   <li>{@code *_int8}: dynamic int8 quantization of every Dense and Conv2D, the output layer
 *       included ({@link Quantizer#dynamic} with {@code keepLastFloat(false)});</li>
 *   <li>{@code *_int8_static}: the same with static input scales ({@link Quantizer#staticInt8}, max
 *       calibration on 1,000 training images), which saves the max-abs scan of each layer's input;</li>
 *   <li>{@code *_pruned80}: magnitude pruning to 80% per kernel along a cubic schedule over the
 *       first 70% of {@code -Dbench.compress.prune.epochs} epochs of fine-tuning (default 2; Adam,
 *       learning rate 5e-4), saved with sparse kernels ({@link Pruning#compact}).</li>
 * </ul>
 * Metrics: {@code size_bytes} of the saved model file, {@code latency_b1_us} (median of single-image
 * forward passes, the sides alternating in rounds, in a fresh JVM: see {@link #latencyInFreshJvm}),
 * {@code accuracy} in percent on the 10,000
 * test images. "myelin" is the compressed model, "float32" the float one, and ratio is
 * compressed / float as in every suite (myelin / peer): below 1 is smaller or faster.
 *
 * <p>To keep the suite's time bounded the float models are trained for only
 * {@code -Dbench.compress.epochs} epochs (default 2; the quickstart trains 8, the specs 12 and 20),
 * once: they are saved under {@code runs/bench-compress/} and loaded on later runs. MNIST must be
 * in {@code ~/.cache/myelin/datasets/mnist} ({@code scripts/datasets mnist}).
 */
final class CompressSuite implements Suite {
    static final int EPOCHS = Integer.getInteger("bench.compress.epochs", 2);
    /** Fine-tuning epochs while pruning (the sparsity ramps over the first 70% of their steps). */
    static final int PRUNE_EPOCHS = Integer.getInteger("bench.compress.prune.epochs", 2);
    /** Untimed forward passes before each model's first measurement: at least this long, so C2 has compiled the vector kernels. */
    static final long WARMUP_NANOS = SideBySide.QUICK ? 1_000_000_000L : 3_000_000_000L;
    /** Single-image forward passes per latency measurement; its median is the measurement. */
    static final int CALLS = SideBySide.QUICK ? 100 : 400;

    @Override
    public String name() {
        return "compress";
    }

    @Override
    public String about() {
        return "MNIST CNN and MLP: int8 and 80%-pruned vs float32, file size, batch-1 latency, test accuracy";
    }

    /** MNIST in [0, 1], (n, 28, 28, 1), int64 labels. */
    record Mnist(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY) {}

    @Override
    public List<Result> run(Machine machine) throws Exception {
        System.out.println("myelin threads " + SideBySide.applyThreads() + "; " + SideBySide.load()
                + (SideBySide.QUICK ? "; QUICK run: indicative numbers only" : ""));
        Path dir = mnistDir();
        Mnist data = new Mnist(images(dir.resolve("train-images-idx3-ubyte")), labels(dir.resolve("train-labels-idx1-ubyte")),
                images(dir.resolve("t10k-images-idx3-ubyte")), labels(dir.resolve("t10k-labels-idx1-ubyte")));
        Path runs = Path.of(System.getProperty("bench.compress.dir", "runs/bench-compress"));
        Files.createDirectories(runs);
        List<Result> results = new ArrayList<>();
        List<String> cases = SideBySide.cases("bench.compress.cases", "cnn_int8,cnn_int8_static,cnn_pruned80,mlp_int8,mlp_pruned80");
        for (String arch : new String[]{"cnn", "mlp"}) {
            if (cases.stream().noneMatch(c -> c.startsWith(arch + "_"))) continue;
            Path floatFile = runs.resolve("mnist-" + arch + ".myelin");
            Model floatModel = trained(arch, floatFile, data);
            double floatAcc = accuracy(floatModel, data);
            System.out.printf(Locale.ROOT, "%s float32: %d bytes, test accuracy %.2f%%%n", arch, Files.size(floatFile), floatAcc);
            for (String c : cases) {
                if (!c.startsWith(arch + "_")) continue;
                Model compressed;
                String kind = c.substring(arch.length() + 1);
                switch (kind) {
                    case "int8" -> compressed = Quantizer.dynamic(floatModel, QuantizeOptions.defaults().keepLastFloat(false));
                    // calibrated on the first 1,000 training images (max calibration): no max-abs scan at run time
                    case "int8_static" -> compressed = Quantizer.staticInt8(floatModel, QuantizeOptions.defaults().keepLastFloat(false),
                            data.trainX().slice(0, 0, 1000).contiguous(), Calibration.max());
                    case "pruned80" -> compressed = pruned(ModelFile.load(floatFile), data, 0.8f);
                    default -> throw new IllegalArgumentException("compress: unknown case '" + c + "'; cases: cnn_int8, cnn_int8_static, cnn_pruned80, mlp_int8, mlp_int8_static, mlp_pruned80");
                }
                Path file = runs.resolve("mnist-" + c + ".myelin");
                compressed.save(file);
                Model loaded = ModelFile.load(file);   // measure what the file gives back
                double acc = accuracy(loaded, data);
                double[] lat = latencyInFreshJvm(file, floatFile, dir.resolve("t10k-images-idx3-ubyte"));
                System.out.printf(Locale.ROOT, "%s: %d bytes (%.2fx smaller), accuracy %.2f%% (%+.2f points), batch-1 latency %.1f us vs float %.1f us%n",
                        c, Files.size(file), (double) Files.size(floatFile) / Files.size(file), acc, acc - floatAcc, lat[0], lat[1]);
                results.add(SideBySide.result(name(), c, "size_bytes", Files.size(file), "float32", Files.size(floatFile)));
                results.add(SideBySide.result(name(), c, "latency_b1_us", lat[0], "float32", lat[1]));
                results.add(SideBySide.result(name(), c, "accuracy", acc, "float32", floatAcc));
            }
        }
        return results;
    }

    private static Path mnistDir() throws IOException {
        String env = System.getenv("MYELIN_DATA");
        Path base = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "myelin", "datasets");
        Path dir = base.resolve("mnist");
        if (!Files.isDirectory(dir)) throw new IOException(dir + ": no MNIST here; fetch it with scripts/datasets mnist");
        return dir;
    }

    /** The float model from {@code file}, or trained for {@link #EPOCHS} epochs and saved there. */
    private static Model trained(String arch, Path file, Mnist data) throws IOException {
        if (Files.isRegularFile(file)) {
            System.out.println("loading " + file + " (delete it to train again)");
            return ModelFile.load(file);
        }
        Sequential m = arch.equals("cnn") ? cnn() : mlp();
        Optimizer opt = arch.equals("cnn") ? new Adam(1e-3f) : new RMSprop(1e-3f);
        m.seed(42);
        m.compile(opt, "sparse_categorical_crossentropy", "accuracy");
        System.out.printf(Locale.ROOT, "training the %s for %d epochs (a bounded run; the quickstart trains longer)%n", arch, EPOCHS);
        long t0 = System.nanoTime();
        m.fit(data.trainX(), data.trainY(), new FitOptions().epochs(EPOCHS).batchSize(128).shuffle(true).verbose(0)
                .callbacks(new dev.myelin.nn.callbacks.ProgressLogger(EPOCHS, System.out)));
        System.out.printf(Locale.ROOT, "trained in %.0f s; saved to %s%n", (System.nanoTime() - t0) / 1e9, file);
        m.save(file);
        return m;
    }

    /** mnist-cnn.yaml: the Keras convnet. */
    static Sequential cnn() {
        return new Sequential(new InputLayer(28, 28, 1), new Conv2D(32, new int[]{3, 3}, "relu"), new MaxPooling2D(2),
                new Conv2D(64, new int[]{3, 3}, "relu"), new MaxPooling2D(2), new Flatten(), new Dropout(0.5f), new Dense(10, "softmax"));
    }

    /** mnist-mlp.json: Keras's mnist_mlp.py. */
    static Sequential mlp() {
        return new Sequential(new InputLayer(28, 28, 1), new Flatten(), new Dense(512, "relu"), new Dropout(0.2f), new Dense(512, "relu"),
                new Dropout(0.2f), new Dense(10, "softmax"));
    }

    /** Gradual magnitude pruning during fine-tuning, then the exact sparsity and sparse storage. */
    private static Model pruned(Model m, Mnist data, float sparsity) {
        int steps = PRUNE_EPOCHS * ((data.trainX().size(0) + 127) / 128);
        int end = (int) (0.7 * steps);
        m.seed(7);
        m.compile(new Adam(5e-4f), "sparse_categorical_crossentropy", "accuracy");
        long t0 = System.nanoTime();
        m.fit(data.trainX(), data.trainY(), new FitOptions().epochs(PRUNE_EPOCHS).batchSize(128).shuffle(true).verbose(0)
                .callbacks(new PruningCallback(PolynomialDecay.cubic(0f, sparsity, 0, end, Math.max(1, end / 16)), Pruning.Scope.LAYER, Set.of())));
        Pruning.magnitude(m, sparsity, Pruning.Scope.LAYER, Set.of());
        System.out.printf(Locale.ROOT, "pruned to %.0f%% with %d epoch%s of fine-tuning in %.0f s%n", 100 * Pruning.sparsity(m), PRUNE_EPOCHS,
                PRUNE_EPOCHS == 1 ? "" : "s", (System.nanoTime() - t0) / 1e9);
        return Pruning.compact(m);
    }

    /** Percent of the test images classified right. */
    static double accuracy(Model m, Mnist data) {
        float[] p;
        try (var ignored = GradMode.noGrad()) {
            p = m.predict(data.testX(), 500).toFloatArray();
        }
        long[] y = data.testY().toLongArray();
        int right = 0, k = p.length / y.length;
        for (int i = 0; i < y.length; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) if (p[i * k + j] > p[i * k + best]) best = j;
            if (best == y[i]) right++;
        }
        return 100.0 * right / y.length;
    }

    /**
     * Batch-1 latency of two model files, {compressed, float} in microseconds, measured in a new JVM
     * (this one's flags and class path) by {@link Probe}. Measured in this JVM after training, the
     * float MLP ran 4-5x slower than in a fresh one (80 against 17 us; the int8 one did not change),
     * its compiled code shaped by the training that came first; a fresh JVM gives both sides the
     * state a deployed model starts from.
     */
    static double[] latencyInFreshJvm(Path compressed, Path floatFile, Path testImages) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName(),
                compressed.toString(), floatFile.toString(), testImages.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        double[] out = null;
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("PROBE ")) {
                    String[] f = line.split(" ");
                    out = new double[]{Double.parseDouble(f[1]), Double.parseDouble(f[2])};
                } else if (!line.startsWith("WARNING: Using incubator")) {
                    System.out.println("  probe: " + line);
                }
            }
        }
        int code = p.waitFor();
        if (code != 0 || out == null) throw new IOException("compress: the latency probe failed (exit " + code + ") for " + compressed);
        return out;
    }

    /**
     * The latency probe: {@code Probe COMPRESSED FLOAT TEST_IMAGES} loads both models and the first
     * test image, warms both up, then times them in alternating rounds ({@link SideBySide#alternate})
     * and prints {@code PROBE <compressed us> <float us>}, the medians.
     */
    static final class Probe {
        public static void main(String[] args) throws Exception {
            SideBySide.applyThreads();
            Model a = ModelFile.load(Path.of(args[0])), b = ModelFile.load(Path.of(args[1]));
            Tensor x1 = images(Path.of(args[2])).slice(0, 0, 1).contiguous();
            warmUp(a, x1);
            warmUp(b, x1);
            List<SideBySide.Measured> m = SideBySide.alternate(List.of(() -> latencyMicros(a, x1), () -> latencyMicros(b, x1)));
            System.out.println("compressed " + m.get(0).describe() + " us; float " + m.get(1).describe() + " us");
            System.out.printf(Locale.ROOT, "PROBE %.3f %.3f%n", m.get(0).median(), m.get(1).median());
        }
    }

    /** Forward passes for at least {@link #WARMUP_NANOS}: on a busy machine C2 may take seconds to compile the int8 kernels. */
    static void warmUp(Model m, Tensor x) {
        try (var ignored = GradMode.noGrad()) {
            long end = System.nanoTime() + WARMUP_NANOS;
            while (System.nanoTime() < end) m.forward(x);
        }
    }

    /** Median microseconds of {@link #CALLS} single-image forward passes. */
    static double latencyMicros(Model m, Tensor x) {
        long[] t = new long[CALLS];
        try (var ignored = GradMode.noGrad()) {
            for (int i = 0; i < CALLS / 4; i++) m.forward(x);   // warm the JIT and caches
            for (int i = 0; i < CALLS; i++) {
                long s = System.nanoTime();
                m.forward(x);
                t[i] = System.nanoTime() - s;
            }
        }
        return SideBySide.median(t, CALLS) / 1e3;
    }

    // ------------------------------------------------------------------ IDX files (what myelin-data's Mnist reads, without the dependency)

    private static InputStream open(Path p) throws IOException {
        if (Files.exists(p)) return Files.newInputStream(p);
        Path gz = p.resolveSibling(p.getFileName() + ".gz");
        if (Files.exists(gz)) return new GZIPInputStream(Files.newInputStream(gz));
        throw new IOException(p + ": missing (fetch MNIST with scripts/datasets mnist)");
    }

    /** IDX uint8: magic 0x00000803 (images) or 0x00000801 (labels), big-endian sizes, then the bytes. */
    private static byte[] idx(Path p, int dims, int[] sizes) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(open(p)))) {
            int magic = in.readInt();
            if (magic != (0x0800 | dims)) throw new IOException(p + ": not an IDX uint8 file of " + dims + " axes (magic " + Integer.toHexString(magic) + ")");
            long n = 1;
            for (int d = 0; d < dims; d++) n *= sizes[d] = in.readInt();
            byte[] b = new byte[(int) n];
            in.readFully(b);
            return b;
        }
    }

    static Tensor images(Path p) throws IOException {
        int[] s = new int[3];
        byte[] b = idx(p, 3, s);
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) f[i] = (b[i] & 0xFF) / 255f;
        return Tensor.wrap(f, s[0], s[1], s[2], 1);
    }

    static Tensor labels(Path p) throws IOException {
        int[] s = new int[1];
        byte[] b = idx(p, 1, s);
        long[] y = new long[b.length];
        for (int i = 0; i < b.length; i++) y[i] = b[i] & 0xFF;
        return Tensor.ofLongs(y, y.length);
    }
}
