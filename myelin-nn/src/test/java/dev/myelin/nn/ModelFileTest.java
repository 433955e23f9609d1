package dev.myelin.nn;

import dev.myelin.core.DType;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.io.ModelFileException;
import dev.myelin.nn.io.SafeTensors;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Dropout;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import dev.myelin.nn.metrics.SparseCategoricalAccuracy;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ModelFileTest {

    @TempDir
    Path dir;

    /** Three Gaussian blobs in 2-D, labelled 0..2. */
    static Tensor[] blobs(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] x = new float[n * 2];
        long[] y = new long[n];
        float[][] centres = {{-2, 0}, {2, 0}, {0, 2.5f}};
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(3);
            y[i] = c;
            x[2 * i] = centres[c][0] + (float) rng.nextGaussian() * 0.6f;
            x[2 * i + 1] = centres[c][1] + (float) rng.nextGaussian() * 0.6f;
        }
        return new Tensor[]{Tensor.of(x, n, 2), Tensor.ofLongs(y, n)};
    }

    static Sequential trainedMlp() {
        Tensor[] d = blobs(96, 1);
        Sequential m = new Sequential(new InputLayer(2), new Dense(16, "relu"), new Dropout(0.1f), new Dense(3, "softmax"));
        m.seed(3);
        m.compile(new Adam(0.01f), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
        m.fit(d[0], d[1], new FitOptions().epochs(2).batchSize(16).verbose(0));
        return m;
    }

    static float[] bits(Tensor t) {
        return t.toFloatArray();
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void sequentialRoundTripGivesIdenticalPredictionsAndMetadata() throws IOException {
        Sequential model = trainedMlp();
        Path file = dir.resolve("mlp.myelin");
        ModelFile.save(model, file, Map.of("epochs", 2, "dataset", "blobs"));
        Model back = ModelFile.load(file);
        Tensor x = blobs(40, 7)[0];
        assertArrayEquals(bits(model.predict(x)), bits(back.predict(x)));   // exact: float bits compared
        assertEquals(ModelFile.weightsByName(model).keySet(), ModelFile.weightsByName(back).keySet());
        assertEquals(List.of("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"), new ArrayList<>(ModelFile.weightsByName(back).keySet()));

        Map<String, Object> meta = ModelFile.metadata(file);
        assertEquals(1, meta.get("format_version"));
        assertEquals("model", meta.get("kind"));
        assertEquals(ModelFile.myelinVersion(), meta.get("myelin_version"));
        assertTrue(meta.get("created_by").toString().startsWith("Myelin " + ModelFile.myelinVersion() + " ModelFile.save; Java "), meta.toString());
        assertTrue(meta.get("created_at").toString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), meta.toString());
        assertEquals(List.of(Map.of("name", "input_layer", "shape", List.of(-1, 2), "dtype", "float32")), meta.get("inputs"));
        assertEquals(List.of(Map.of("name", "dense_1", "shape", List.of(-1, 3), "dtype", "float32")), meta.get("outputs"));
        @SuppressWarnings("unchecked")
        Map<String, Object> training = (Map<String, Object>) meta.get("training");
        assertEquals("adam", ((Map<?, ?>) training.get("optimizer")).get("name"));
        assertEquals(12, training.get("iterations"));          // 2 epochs of 96 / 16 batches
        assertEquals(List.of("sparse_categorical_crossentropy"), training.get("losses"));
        assertEquals(2, training.get("epochs"));
        assertEquals("blobs", training.get("dataset"));

        // The loaded model trains on.
        back.compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        Tensor[] d = blobs(32, 2);
        back.fit(d[0], d[1], new FitOptions().epochs(1).verbose(0));
    }

    @Test
    void functionalModelWithTwoInputsRoundTrips() throws IOException {
        SymbolicTensor a = Input.of("a", 3), b = Input.of("b", 2);
        Dense shared = new Dense(4, "tanh");
        SymbolicTensor h = shared.apply(a);
        SymbolicTensor out1 = new Dense(1).apply(shared.apply(new Dense(3).apply(b)));
        Model m = Model.of(List.of(a, b), List.of(new Dense(2).apply(h), out1));
        Path file = dir.resolve("functional.myelin");
        ModelFile.save(m, file);
        Model back = ModelFile.load(file);
        List<Tensor> in = List.of(Tensor.randn(new Rng(4), 5, 3), Tensor.randn(new Rng(5), 5, 2));
        List<Tensor> p = m.predictAll(in, 2), q = back.predictAll(in, 2);
        assertArrayEquals(bits(p.get(0)), bits(q.get(0)));
        assertArrayEquals(bits(p.get(1)), bits(q.get(1)));
        Map<String, Object> meta = ModelFile.metadata(file);
        assertEquals(List.of(Map.of("name", "a", "shape", List.of(-1, 3), "dtype", "float32"),
                Map.of("name", "b", "shape", List.of(-1, 2), "dtype", "float32")), meta.get("inputs"));
        assertEquals(2, ((List<?>) meta.get("outputs")).size());
        assertFalse(meta.get("training") instanceof Map<?, ?> t && t.containsKey("optimizer"), "an uncompiled model has no optimizer record");
    }

    /** A layer with two tracked sublayers named alike in every instance: "proj" and "out". */
    static final class Block extends Layer {
        private final int units;
        private final Dense proj, out;

        Block(int units) {
            this.units = units;
            this.proj = track(new Dense(units, "relu"));
            proj.name("proj");
            this.out = track(new Dense(units));
            out.name("out");
        }

        @Override
        protected void build(int[] inputShape) {
            proj.ensureBuilt(inputShape);
            out.ensureBuilt(proj.computeOutputShape(inputShape));
        }

        @Override
        protected Tensor call(Tensor x, Context ctx) {
            return out.apply(proj.apply(x, ctx), ctx);
        }

        @Override
        public int[] computeOutputShape(int[] inputShape) {
            return out.computeOutputShape(inputShape);
        }

        @Override
        public Map<String, Object> config() {
            Map<String, Object> m = super.config();
            m.put("units", units);
            return m;
        }

        static Block fromConfig(Map<String, Object> c) {
            return withBaseConfig(new Block(Config.getInt(c, "units")), c);
        }
    }

    @Test
    void sublayersSharingNamesInDifferentParentsGetDistinctHierarchicalNames() throws IOException {
        Layers.register("Block", Block::fromConfig);
        Sequential model = new Sequential(new InputLayer(3), new Block(4), new Block(4), new Dense(1));
        Map<String, Parameter> named = ModelFile.weightsByName(model);
        assertEquals(List.of("block/proj/kernel", "block/proj/bias", "block/out/kernel", "block/out/bias",
                "block_1/proj/kernel", "block_1/proj/bias", "block_1/out/kernel", "block_1/out/bias",
                "dense/kernel", "dense/bias"), new ArrayList<>(named.keySet()));
        // Parameter.path() alone clashes here: both blocks' projections are "proj/kernel".
        assertEquals(named.get("block/proj/kernel").path(), named.get("block_1/proj/kernel").path());
        Path file = dir.resolve("blocks.myelin");
        ModelFile.save(model, file);
        Model back = ModelFile.load(file);
        Tensor x = Tensor.randn(new Rng(8), 6, 3);
        assertArrayEquals(bits(model.predict(x)), bits(back.predict(x)));
    }

    // ------------------------------------------------------------------ layout and safetensors

    @Test
    void weightsAreAStandaloneSafetensorsBlobAtByte32() throws IOException {
        Sequential model = trainedMlp();
        Path file = dir.resolve("m.myelin");
        ModelFile.save(model, file);
        byte[] b = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("MYELIN\0", new String(b, 0, 7, StandardCharsets.US_ASCII));
        assertEquals(1, bb.getShort(7));
        assertEquals("WGTS", new String(b, 16, 4, StandardCharsets.US_ASCII));
        long len = bb.getLong(24);
        assertEquals("END ", new String(b, b.length - 16, 4, StandardCharsets.US_ASCII));

        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOfRange(b, 32, (int) (32 + len)));
        Path extracted = dir.resolve("extracted.safetensors");
        ModelFile.extractWeights(file, extracted);
        assertArrayEquals(Files.readAllBytes(cut), Files.readAllBytes(extracted));

        SafeTensors.Contents st = SafeTensors.load(cut);
        assertEquals("myelin", st.metadata().get("format"));
        Map<String, Parameter> named = ModelFile.weightsByName(model);
        assertEquals(named.keySet(), st.tensors().keySet());
        for (var e : named.entrySet()) assertArrayEquals(bits(e.getValue().value()), bits(st.tensors().get(e.getKey())), e.getKey());

        // The plain safetensors file loads into a model of the same architecture.
        Sequential other = new Sequential(new InputLayer(2), new Dense(16, "relu"), new Dropout(0.1f), new Dense(3, "softmax"));
        ModelFile.loadWeights(other, cut);
        Tensor x = blobs(10, 3)[0];
        assertArrayEquals(bits(model.predict(x)), bits(other.predict(x)));
    }

    @Test
    void safetensorsRoundTripsEveryDtypeAndOddShapes() throws IOException {
        Map<String, Tensor> ts = new LinkedHashMap<>();
        ts.put("f", Tensor.randn(new Rng(1), 3, 5));
        ts.put("i", Tensor.ofInts(new int[]{1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE}, 2, 2));
        ts.put("l", Tensor.ofLongs(new long[]{Long.MIN_VALUE, 0, Long.MAX_VALUE}, 3));
        ts.put("b", Tensor.ofBytes(new byte[]{-128, 0, 127}, DType.INT8, 3));
        ts.put("u", Tensor.ofBytes(new byte[]{(byte) 255, 1, 0, 7, 9}, DType.UINT8, 5));
        ts.put("scalar", Tensor.scalar(2.5f));
        ts.put("empty", Tensor.zeros(0, 4));
        ts.put("view", Tensor.arange(12).reshape(3, 4).t());              // non-contiguous: written row-major
        Path p = dir.resolve("all.safetensors");
        SafeTensors.save(ts, Map.of("who", "test"), p);
        SafeTensors.Contents c = SafeTensors.load(p);
        assertEquals("test", c.metadata().get("who"));
        // Data order: widest elements first, so every tensor is aligned to its element size.
        assertEquals(List.of("l", "f", "i", "scalar", "empty", "view", "b", "u"), new ArrayList<>(c.tensors().keySet()));
        for (var e : ts.entrySet()) {
            Tensor got = c.tensors().get(e.getKey());
            assertEquals(e.getValue().dtype(), got.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            switch (got.dtype()) {
                case FLOAT32 -> assertArrayEquals(e.getValue().toFloatArray(), got.toFloatArray(), e.getKey());
                case INT64 -> assertArrayEquals(e.getValue().toLongArray(), got.toLongArray(), e.getKey());
                default -> assertArrayEquals(e.getValue().toIntArray(), got.toIntArray(), e.getKey());
            }
        }
        byte[] raw = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
    }

    /** A safetensors file built by hand from the spec, not by our writer: F16, BF16 and F64 widen to float32. */
    @Test
    void readsAHandWrittenSafetensorsFileWithHalfAndDoubleTypes() throws IOException {
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[8,16]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[16,20]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 20).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        b.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f));
        b.putShort((short) (Float.floatToRawIntBits(3.0f) >>> 16)).putShort((short) (Float.floatToRawIntBits(-0.5f) >>> 16));
        b.putDouble(0.25).putFloat(7f);
        Path p = dir.resolve("hand.safetensors");
        Files.write(p, b.array());
        SafeTensors.Contents c = SafeTensors.load(p);
        assertEquals("pt", c.metadata().get("format"));
        assertArrayEquals(new float[]{1.5f, -2f}, c.tensors().get("h").toFloatArray());
        assertArrayEquals(new float[]{3f, -0.5f}, c.tensors().get("bf").toFloatArray());
        assertArrayEquals(new int[]{1, 1}, c.tensors().get("d").shape());
        assertEquals(0.25f, c.tensors().get("d").toFloatArray()[0]);
        assertEquals(0, c.tensors().get("w").rank());
        assertEquals(7f, c.tensors().get("w").item());

        // A hole between tensors is refused, as the spec requires full coverage.
        Files.write(p, hand("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        var e = assertThrows(ModelFileException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("tensor 'a' data_offsets start at 4, expected 0 (a gap in the data)"), e.getMessage());
        Files.write(p, hand("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", 8));
        e = assertThrows(ModelFileException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("byte offset"), e.getMessage());
        Files.write(p, hand("{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8));
        e = assertThrows(ModelFileException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("dtype 'C64'") && e.getMessage().contains("supported: F32, I32, I64, I8, U8"), e.getMessage());
    }

    private static byte[] hand(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    // ------------------------------------------------------------------ atomic writes and bad files

    /** A layer with a weight whose configuration cannot be written: saving fails after the weights went out. */
    static final class Unserializable extends Layer {
        @Override
        protected void build(int[] inputShape) {
            addWeight("w", new int[]{inputShape[0]}, dev.myelin.nn.init.Initializer.ones());
        }

        @Override
        public int[] computeOutputShape(int[] inputShape) {
            return inputShape;
        }

        @Override
        protected Tensor call(Tensor x, Context ctx) {
            return x.mul(weights().get(0).value());
        }

        @Override
        public Map<String, Object> config() {
            throw new IllegalStateException("cannot describe this layer");
        }
    }

    @Test
    void aFailedSaveLeavesTheOldFileIntactAndNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("model.myelin");
        ModelFile.save(trainedMlp(), file);
        byte[] before = Files.readAllBytes(file);
        Sequential broken = new Sequential(new InputLayer(2), new Unserializable(), new Dense(3));
        var e = assertThrows(IllegalStateException.class, () -> ModelFile.save(broken, file));
        assertEquals("cannot describe this layer", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList());
        }
        // Unbuilt models are refused before any file is touched.
        var u = assertThrows(IllegalArgumentException.class, () -> ModelFile.save(new Sequential(new Dense(2)), file));
        assertTrue(u.getMessage().contains("not built yet"), u.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void aFileFromAFutureFormatVersionIsRefusedClearly() throws IOException {
        Path file = dir.resolve("future.myelin");
        ModelFile.save(trainedMlp(), file);
        byte[] b = Files.readAllBytes(file);
        b[7] = 7;
        b[8] = 0;
        Files.write(file, b);
        var e = assertThrows(ModelFileException.class, () -> ModelFile.load(file));
        assertEquals(file + ": written in Myelin file format version 7, but this Myelin (" + ModelFile.myelinVersion()
                + ") reads format versions 1 to 1; load it with a newer Myelin", e.getMessage());
        assertEquals(file, e.file());
    }

    @Test
    void aFileThatIsNotAMyelinFileSaysSo() throws IOException {
        Path file = dir.resolve("notes.myelin");
        Files.writeString(file, "hello, world");
        var e = assertThrows(ModelFileException.class, () -> ModelFile.load(file));
        assertTrue(e.getMessage().startsWith(file + ": not a Myelin model file: it starts with the bytes 68 65 6C 6C 6F 2C 20 77 (\"hello, w\")"), e.getMessage());
        assertTrue(e.getMessage().contains("expected the magic bytes 4D 59 45 4C 49 4E 00"), e.getMessage());
        Files.write(file, new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0, 0});
        e = assertThrows(ModelFileException.class, () -> ModelFile.load(file));
        assertTrue(e.getMessage().contains("zip archive"), e.getMessage());
        Files.write(file, new byte[0]);
        e = assertThrows(ModelFileException.class, () -> ModelFile.load(file));
        assertTrue(e.getMessage().contains("the file is empty"), e.getMessage());
    }

    @Test
    void everyTruncationIsReportedWithItsByteOffset() throws IOException {
        Path file = dir.resolve("whole.myelin");
        ModelFile.save(trainedMlp(), file);
        byte[] b = Files.readAllBytes(file);
        Path cut = dir.resolve("cut.myelin");
        for (int len = 1; len < b.length; len += len < 64 ? 1 : 37) {
            Files.write(cut, Arrays.copyOf(b, len));
            var e = assertThrows(ModelFileException.class, () -> ModelFile.load(cut), "length " + len);
            assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("byte offset"), len + ": " + e.getMessage());
        }
        Files.write(cut, Arrays.copyOf(b, b.length - 16));       // everything but the END section
        var e = assertThrows(ModelFileException.class, () -> ModelFile.load(cut));
        assertEquals(cut + ": truncated at byte offset " + (b.length - 16) + ": expected a 16-byte section header at byte offset "
                + (b.length - 16) + " (after section 'META'), and the file has no END section", e.getMessage());
    }

    @Test
    void aCorruptByteIsCaughtByTheChecksum() throws IOException {
        Path file = dir.resolve("c.myelin");
        ModelFile.save(trainedMlp(), file);
        byte[] b = Files.readAllBytes(file);
        long len = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(24);
        b[(int) (32 + len - 3)] ^= 0x10;    // inside the last weight's data
        Files.write(file, b);
        var e = assertThrows(ModelFileException.class, () -> ModelFile.load(file));
        assertTrue(e.getMessage().contains("corrupt: section 'WGTS' at byte offset 16") && e.getMessage().contains("CRC-32C"), e.getMessage());
    }

    @Test
    void weightsForAnotherArchitectureAreRefusedByName() throws IOException {
        Path file = dir.resolve("a.myelin");
        ModelFile.save(trainedMlp(), file);
        Sequential wider = new Sequential(new InputLayer(2), new Dense(17, "relu"), new Dropout(0.1f), new Dense(3, "softmax"));
        float[] before = bits(wider.weights().get(0).value());
        var e = assertThrows(ModelFileException.class, () -> ModelFile.loadWeights(wider, file));
        assertTrue(e.getMessage().contains("weight 'dense/kernel' has shape (2, 16) in the file, but (2, 17) in the model"), e.getMessage());
        assertArrayEquals(before, bits(wider.weights().get(0).value()), "nothing assigned");
        Sequential deeper = new Sequential(new InputLayer(2), new Dense(16, "relu"), new Dense(16), new Dense(3));
        e = assertThrows(ModelFileException.class, () -> ModelFile.loadWeights(deeper, file));
        assertTrue(e.getMessage().contains("the model's weights [dense_2/kernel, dense_2/bias] are not in the file"), e.getMessage());
    }

    // ------------------------------------------------------------------ compatibility

    /** Input rows for the kept model file, and its predictions, written down when the file was made. */
    static final float[][] GOLDEN_X = {{0.5f, -1f, 2f, 0f}, {-1.5f, 0.25f, 0f, 1f}, {3f, 3f, -3f, 0.125f}};
    static final float[][] GOLDEN_Y = {
            {0.24937274f, 0.20567125f, 0.544956f},
            {0.54958475f, 0.1976119f, 0.25280336f},
            {0.010533579f, 0.98932636f, 1.4008212E-4f},
    };

    /**
     * Writes the model kept in test resources (models/mlp-v1.myelin): run once when the format is
     * introduced, never again for the same version, so later Myelins must load what 1 wrote.
     */
    static void writeMlpV1(Path path) throws IOException {
        Rng rng = new Rng(2024);
        Tensor x = Tensor.randn(rng, 64, 4);
        long[] y = new long[64];
        float[] xs = x.toFloatArray();
        for (int i = 0; i < 64; i++) y[i] = xs[4 * i] + xs[4 * i + 1] > 0.5f ? 1 : xs[4 * i + 2] > 0 ? 2 : 0;
        Sequential m = new Sequential(new InputLayer(4), new Dense(8, "relu"), new Dense(3, "softmax"));
        m.seed(2024);
        m.compile(new Adam(0.02f), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
        m.fit(x, Tensor.ofLongs(y, 64), new FitOptions().epochs(5).batchSize(16).verbose(0));
        ModelFile.save(m, path, Map.of("epochs", 5, "generator", "ModelFileTest.writeMlpV1"));
        float[] p = m.predict(Tensor.of(GOLDEN_X)).toFloatArray();
        System.out.println(Arrays.toString(p));
    }

    @Test
    void theModelKeptFromFormatVersion1StillLoadsAndPredicts() throws IOException {
        Path file = dir.resolve("mlp-v1.myelin");
        try (InputStream in = ModelFileTest.class.getResourceAsStream("/models/mlp-v1.myelin")) {
            assertNotNull(in, "test resource models/mlp-v1.myelin is missing");
            Files.copy(in, file);
        }
        Model m = ModelFile.load(file);
        assertEquals(1, ModelFile.metadata(file).get("format_version"));
        // Stored weights come back bit for bit: the first four of dense/kernel, as written in 1.
        float[] k = ModelFile.weightsByName(m).get("dense/kernel").value().toFloatArray();
        int[] firstBits = {0x3eeb4344, 0x3daf8028, 0xbf066cd5, 0xbe8328a9};
        for (int i = 0; i < 4; i++) assertEquals(firstBits[i], Float.floatToRawIntBits(k[i]), "dense/kernel[" + i + "]");
        float[] p = m.predict(Tensor.of(GOLDEN_X)).toFloatArray();
        float[] expected = new float[9];
        for (int i = 0; i < 3; i++) System.arraycopy(GOLDEN_Y[i], 0, expected, 3 * i, 3);
        assertArrayEquals(expected, p, 1e-6f);   // room for kernels summing in another order
    }

    // ------------------------------------------------------------------ a fresh JVM

    /** Child process: loads the model file given and prints its predictions on {@link #GOLDEN_X} as raw float bits. */
    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("--write-mlp-v1")) {
            writeMlpV1(Path.of(args[1]));
            return;
        }
        float[] p = ModelFile.load(Path.of(args[0])).predict(Tensor.of(GOLDEN_X)).toFloatArray();
        StringBuilder b = new StringBuilder();
        for (float v : p) b.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(' ');
        System.out.println(b.toString().trim());
    }

    @Test
    void aFreshJvmLoadsTheFileToBitIdenticalPredictions() throws Exception {
        Sequential model = new Sequential(new InputLayer(4), new Dense(8, "relu"), new Dense(3, "softmax"));
        model.seed(77);
        Path file = dir.resolve("fresh.myelin");
        ModelFile.save(model, file);
        StringBuilder expected = new StringBuilder();
        for (float v : model.predict(Tensor.of(GOLDEN_X)).toFloatArray()) expected.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(' ');

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), ModelFileTest.class.getName(), file.toString());
        pb.redirectErrorStream(true);
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, proc.exitValue(), out);
        String[] lines = out.strip().split("\\R");
        assertEquals(expected.toString().trim(), lines[lines.length - 1]);
    }
}
