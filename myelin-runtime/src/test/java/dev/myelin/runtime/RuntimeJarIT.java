package dev.myelin.runtime;

import dev.myelin.compress.Calibration;
import dev.myelin.compress.Pruning;
import dev.myelin.compress.QuantizationAware;
import dev.myelin.compress.QuantizeOptions;
import dev.myelin.compress.Quantizer;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Input;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.SymbolicTensor;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.Activation;
import dev.myelin.nn.layers.Add;
import dev.myelin.nn.layers.BatchNormalization;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Dropout;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.GlobalAveragePooling1D;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.LSTM;
import dev.myelin.nn.layers.LayerNormalization;
import dev.myelin.nn.layers.MaxPooling2D;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.spi.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The runtime jar, alone: each test saves a model with the full library (on this test's class
 * path), runs {@code java -cp myelin-runtime.jar dev.myelin.runtime.Main} in a new JVM on samples
 * written as CSV, and compares its printed predictions with {@link Model#predict} here. That the
 * child JVM loads, verifies and runs these models with the training classes absent from its class
 * path is the proof that the inference path does not need them. Runs in the integration-test phase
 * (the jar is made at package).
 */
class RuntimeJarIT {
    /** The shaded jar; the POM passes its path. */
    private static Path jar;
    /** The target size for the jar: under 2 MB. */
    private static final long MAX_JAR_BYTES = 2_000_000;

    @TempDir
    Path dir;

    @BeforeAll
    static void findJar() {
        String p = System.getProperty("myelin.runtime.jar");
        // Only the POM's integration-test execution passes the jar; -Dtest=RuntimeJarIT also runs it in the test phase, before the jar exists.
        assumeTrue(p != null, "RuntimeJarIT runs in the integration-test phase (mvn verify), after the jar is made");
        if (!Files.isRegularFile(Path.of(p))) fail("the runtime jar " + p + " is missing; the package phase makes it");
        jar = Path.of(p);
    }

    @Test
    void theJarIsSmallAndHoldsNoTrainingServingOrPlottingCode() throws IOException {
        long size = Files.size(jar);
        assertTrue(size < MAX_JAR_BYTES, "runtime jar is " + size + " bytes; the target is under 2 MB");
        List<String> forbidden = List.of("dev/myelin/nn/optimizers/", "dev/myelin/nn/losses/", "dev/myelin/nn/metrics/",
                "dev/myelin/nn/callbacks/", "dev/myelin/nn/FitOptions", "dev/myelin/nn/ArrayBatches", "dev/myelin/nn/Batch.class",
"dev/myelin/nn/io/Checkpoint", "dev/myelin/core/GradCheck",
                "dev/myelin/compress/Quantizer", "dev/myelin/compress/Calibration", "dev/myelin/compress/Pruning",
                "dev/myelin/compress/QuantizationAware", "dev/myelin/serve/", "dev/myelin/plot/", "dev/myelin/data/",
                "dev/myelin/cli/", "org/junit/");
        List<String> needed = List.of("dev/myelin/runtime/Main.class", "dev/myelin/nn/io/ModelFile.class", "dev/myelin/nn/layers/Dense.class",
                "dev/myelin/nn/layers/LSTM.class", "dev/myelin/compress/QuantizedDense.class", "dev/myelin/compress/Int8Gemm.class",
                "dev/myelin/backend/VectorBackend.class", "com/fasterxml/jackson/jr/ob/JSON.class");
        List<String> found = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> en = jf.entries(); en.hasMoreElements(); ) {
                String n = en.nextElement().getName();
                names.add(n);
                for (String f : forbidden) if (n.startsWith(f)) found.add(n);
            }
            assertEquals("dev.myelin.runtime.Main", jf.getManifest().getMainAttributes().getValue("Main-Class"));
        }
        assertTrue(found.isEmpty(), "training/serving classes in the runtime jar: " + found);
        for (String n : needed) assertTrue(names.contains(n), "the runtime jar lacks " + n);
    }

    /**
     * jdeps over the jar: only Model (fit, evaluate, compile), ModelFile (the training part of the
     * metadata it saves) and BatchSource (an interface naming Batch) may name classes the jar
     * leaves out. A new reference from an inference class to one of them fails here, before it
     * can fail on some device at the first model that takes that path.
     */
    @Test
    void onlyTheTrainingMethodsOfModelAndModelFileNameLeftOutClasses() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("this JDK has no jdeps"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "--multi-release", "25", "-verbose:class", "-filter:none", jar.toString());
        assertEquals(0, rc, err.toString());
        Map<String, Set<String>> missing = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            // "   dev.myelin.nn.Model   -> dev.myelin.nn.losses.Loss   not found"
            String[] f = line.strip().split("\\s+");
            if (f.length == 5 && f[1].equals("->") && f[3].equals("not") && f[4].equals("found")) {
                missing.computeIfAbsent(f[0], k -> new TreeSet<>()).add(f[2]);
            }
        }
        Set<String> allowed = Set.of("dev.myelin.nn.Model", "dev.myelin.nn.io.ModelFile", "dev.myelin.nn.BatchSource");
        assertTrue(missing.containsKey("dev.myelin.nn.Model"), "jdeps output not understood:\n" + out);
        for (var e : missing.entrySet()) {
            assertTrue(allowed.contains(e.getKey()), e.getKey() + " refers to " + e.getValue() + ", which the runtime jar leaves out as "
                    + "training code: keep them in the jar (the shade filters of myelin-runtime/pom.xml) or move the reference off the inference classes");
            for (String t : e.getValue()) assertTrue(t.startsWith("dev.myelin."), e.getKey() + " refers to " + t + ", missing from the jar");
        }
    }

    @Test
    void floatMlpAndFunctionalModelsPredictAsInProcess() throws Exception {
        Sequential mlp = new Sequential(new InputLayer(20), new Dense(32, "relu"), new BatchNormalization(), new Dropout(0.3f),
                new Dense(16, "tanh"), new LayerNormalization(), new Dense(5, "softmax"));
        checkSameAsInProcess(mlp, "mlp", 37, 8);

        SymbolicTensor in = Input.of(12);
        SymbolicTensor a = new Dense(8, "relu").apply(in);
        SymbolicTensor b = new Dense(8).apply(in);
        SymbolicTensor out = new Dense(3).apply(new Activation("gelu").apply(new Add().apply(a, b)));
        checkSameAsInProcess(Model.of(in, out), "functional", 9, 4);
    }

    @Test
    void cnnInFloatInt8AndStaticInt8PredictsAsInProcess() throws Exception {
        Sequential cnn = cnn();
        checkSameAsInProcess(cnn, "cnn", 11, 4);
        Model int8 = Quantizer.dynamic(cnn);
        assertTrue(classes(int8).contains("QuantizedConv2D") && classes(int8).contains("QuantizedDense"), classes(int8).toString());
        checkSameAsInProcess(int8, "cnn-int8", 11, 4);
        Model static8 = Quantizer.staticInt8(cnn, QuantizeOptions.defaults(), Tensor.rand(new Rng(3), 16, 10, 10, 2), Calibration.max());
        checkSameAsInProcess(static8, "cnn-int8-static", 6, 6);
    }

    @Test
    void prunedAndQuantizationAwareModelsPredictAsInProcess() throws Exception {
        Sequential m = new Sequential(new InputLayer(24), new Dense(48, "relu"), new Dense(24, "relu"), new Dense(4));
        Pruning.magnitude(m, 0.75f, Pruning.Scope.GLOBAL, Set.of());
        assertTrue(Pruning.sparsity(m) > 0.7f);
        checkSameAsInProcess(m, "pruned", 10, 5);
        Model compact = Pruning.compact(m);   // the pruned kernels stored sparse: bitmask plus nonzeros
        assertTrue(classes(compact).contains("SparseDense"), classes(compact).toString());
        checkSameAsInProcess(compact, "pruned-sparse", 10, 5);

        Sequential slim = Pruning.structured(m, 0.5f, Set.of("dense_2"));
        checkSameAsInProcess(slim, "pruned-structured", 10, 5);
        checkSameAsInProcess(Quantizer.dynamic(slim), "pruned-int8", 10, 5);

        Model qat = QuantizationAware.prepare(cnn(), QuantizeOptions.defaults());
        assertTrue(classes(qat).contains("QatConv2D"), classes(qat).toString());
        checkSameAsInProcess(qat, "qat", 5, 5);
    }

    @Test
    void sequenceModelWithEmbeddingAndLstmInFloatAndInt8PredictsAsInProcess() throws Exception {
        Sequential seq = new Sequential(new InputLayer(7), new Embedding(30, 8), new LSTM(6).returnSequences(true),
                new GlobalAveragePooling1D(), new Dense(2, "softmax"));
        // token ids: whole numbers below the vocabulary size
        Rng rng = new Rng(5);
        float[] tokens = new float[9 * 7];
        for (int i = 0; i < tokens.length; i++) tokens[i] = rng.nextInt(30);
        Tensor ids = Tensor.wrap(tokens, 9, 7);
        checkSameAsInProcess(seq, "lstm", ids, 3);
        Model int8 = Quantizer.dynamic(seq);
        assertTrue(classes(int8).contains("QuantizedEmbedding"), classes(int8).toString());
        checkSameAsInProcess(int8, "lstm-int8", ids, 3);
    }

    @Test
    void badInputGetsAClearErrorAndExitStatus2() throws Exception {
        Path model = dir.resolve("small.myelin");
        new Sequential(new InputLayer(3), new Dense(2)).save(model);
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "1,2,3\n4,5\n");
        Result r = runJar(model.toString(), csv.toString());
        assertEquals(2, r.exit, r.stderr);
        assertTrue(r.stderr.contains("line 2 has 2 values; the model expects 3"), r.stderr);
    }

    // ------------------------------------------------------------------ helpers

    static Sequential cnn() {
        Sequential m = new Sequential(new InputLayer(10, 10, 2), new Conv2D(6, 3).useBias(false), new BatchNormalization(),
                new Activation("relu"), new MaxPooling2D(2), new Conv2D(8, 3, "relu").padding("same"), new Flatten(),
                new Dropout(0.5f), new Dense(12, "relu"), new Dense(4, "softmax"));
        BatchNormalization bn = (BatchNormalization) m.layer("batch_normalization");
        Rng rng = new Rng(8);   // statistics away from (0, 1), as after training
        bn.movingMean().assign(Tensor.randn(rng, 6).mul(0.3f));
        bn.movingVariance().assign(Tensor.rand(rng, 6).add(0.5f));
        return m;
    }

    private static List<String> classes(Model m) {
        List<String> out = new ArrayList<>();
        for (Layer l : m.layers()) out.add(l.className());
        return out;
    }

    private void checkSameAsInProcess(Model model, String name, int samples, int batchSize) throws Exception {
        int[] in = model.inputShapes().get(0);
        int[] shape = new int[in.length + 1];
        shape[0] = samples;
        System.arraycopy(in, 0, shape, 1, in.length);
        checkSameAsInProcess(model, name, Tensor.randn(new Rng(name.hashCode()), shape), batchSize);
    }

    /**
     * Saves {@code model}, runs the jar on {@code x} in batches of {@code batchSize}, and compares
     * with the reloaded model's predictions in this JVM on the same batches.
     */
    private void checkSameAsInProcess(Model model, String name, Tensor x, int batchSize) throws Exception {
        Path file = dir.resolve(name + ".myelin");
        model.save(file);
        int n = x.size(0), per = x.numel() / n;
        float[] xs = x.contiguous().toFloatArray();
        StringBuilder csv = new StringBuilder("# " + name + "\n");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < per; j++) csv.append(j == 0 ? "" : ",").append(xs[i * per + j]);
            csv.append('\n');
        }
        Path input = dir.resolve(name + ".csv");
        Files.writeString(input, csv);

        Result r = runJar(file.toString(), input.toString(), "--batch-size", String.valueOf(batchSize));
        assertEquals(0, r.exit, name + ": the runtime jar failed:\n" + r.stderr);

        float[] expected = ModelFile.load(file).predict(x, batchSize).toFloatArray();
        float[] original = model.predict(x, batchSize).toFloatArray();
        String[] lines = r.stdout.strip().split("\n");
        assertEquals(n, lines.length, name + ": one output line per sample");
        int outPer = expected.length / n;
        for (int i = 0; i < n; i++) {
            String[] cells = lines[i].split(",");
            assertEquals(outPer, cells.length, name + " sample " + i);
            for (int j = 0; j < outPer; j++) {
                float got = Float.parseFloat(cells[j]), want = expected[i * outPer + j];
                assertEquals(want, original[i * outPer + j], name + ": the reloaded model differs from the saved one");
                // The same code on the same batches; the Vector API leaves the order of a float
                // reduction free, so an interpreted run and a C2-compiled one may differ in the last bits.
                assertEquals(want, got, 1e-6f * Math.max(1f, Math.abs(want)),
                        name + " sample " + i + " output " + j + ": runtime jar " + got + ", in process " + want);
            }
        }
    }

    private record Result(int exit, String stdout, String stderr) {}

    /** {@code java -cp myelin-runtime.jar dev.myelin.runtime.Main args}, with this JVM's java and nothing else on the class path. */
    private Result runJar(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx512m",
                "-cp", jar.toString(), "dev.myelin.runtime.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt"), err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("CLASSPATH");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the runtime jar did not finish in 120 s: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
