package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.callbacks.TensorBoard;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import dev.myelin.nn.metrics.SparseCategoricalAccuracy;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

/** Reads the event files back with a decoder written here from the TFRecord and protobuf specifications. */
class TensorBoardTest {

    @TempDir
    Path dir;

    /** The fields of a tensorflow.Event that the writer uses; {@code values} in file order. */
    record Event(double wallTime, long step, String fileVersion, Map<String, Float> values) {}

    // ------------------------------------------------------------------ decoder

    static int masked(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        int crc = (int) c.getValue();
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    /** TFRecord: uint64 length, uint32 masked CRC-32C of the length, the data, uint32 masked CRC-32C of the data. */
    static List<byte[]> records(byte[] file) {
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> out = new ArrayList<>();
        while (buf.hasRemaining()) {
            assertTrue(buf.remaining() >= 12, "truncated record header");
            int start = buf.position();
            long length = buf.getLong();
            assertEquals(masked(file, start, 8), buf.getInt(), "length CRC of the record at byte " + start);
            assertTrue(length >= 0 && length <= buf.remaining() - 4, "record length " + length + " past the end");
            byte[] data = new byte[(int) length];
            int dataStart = buf.position();
            buf.get(data);
            assertEquals(masked(file, dataStart, data.length), buf.getInt(), "data CRC of the record at byte " + start);
            out.add(data);
        }
        return out;
    }

    /** A protobuf reader over one message. */
    static final class Wire {
        final ByteBuffer b;

        Wire(byte[] bytes) {
            b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        long varint() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                int x = b.get() & 0xFF;
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) return v;
            }
        }

        byte[] lengthDelimited() {
            byte[] d = new byte[(int) varint()];
            b.get(d);
            return d;
        }
    }

    static Event decodeEvent(byte[] data) {
        Wire w = new Wire(data);
        double wallTime = 0;
        long step = 0;
        String version = null;
        Map<String, Float> values = new LinkedHashMap<>();
        while (w.b.hasRemaining()) {
            long key = w.varint();
            int field = (int) (key >>> 3), type = (int) (key & 7);
            switch (field) {
                case 1 -> { assertEquals(1, type); wallTime = w.b.getDouble(); }
                case 2 -> { assertEquals(0, type); step = w.varint(); }
                case 3 -> { assertEquals(2, type); version = new String(w.lengthDelimited(), StandardCharsets.UTF_8); }
                case 5 -> { assertEquals(2, type); decodeSummary(w.lengthDelimited(), values); }
                default -> fail("unexpected Event field " + field);
            }
        }
        return new Event(wallTime, step, version, values);
    }

    static void decodeSummary(byte[] data, Map<String, Float> into) {
        Wire w = new Wire(data);
        while (w.b.hasRemaining()) {
            assertEquals((1 << 3) | 2, w.varint(), "Summary.value");
            Wire v = new Wire(w.lengthDelimited());
            String tag = null;
            Float value = null;
            while (v.b.hasRemaining()) {
                long key = v.varint();
                if (key == ((1 << 3) | 2)) tag = new String(v.lengthDelimited(), StandardCharsets.UTF_8);
                else if (key == ((2 << 3) | 5)) value = v.b.getFloat();
                else fail("unexpected Summary.Value key " + key);
            }
            assertNotNull(tag);
            assertNotNull(value);
            assertNull(into.put(tag, value), "tag " + tag + " twice in one summary");
        }
    }

    static List<Path> eventFiles(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).sorted().toList();
        }
    }

    /** The events of the only event file in {@code folder}. */
    static List<Event> readOnly(Path folder) throws IOException {
        List<Path> files = eventFiles(folder);
        assertEquals(1, files.size(), "event files in " + folder + ": " + files);
        return read(files.get(0));
    }

    static List<Event> read(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        for (byte[] r : records(Files.readAllBytes(file))) events.add(decodeEvent(r));
        assertEquals("brain.Event:2", events.get(0).fileVersion(), "the first record names the file version");
        assertTrue(events.get(0).values().isEmpty());
        for (Event e : events.subList(1, events.size())) assertNull(e.fileVersion());
        return events;
    }

    static Map<String, Double> logs(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
        return m;
    }

    // ------------------------------------------------------------------ tests

    @Test
    void writesTrainAndValidationScalarsAsKerasNamesThem() throws IOException {
        double before = System.currentTimeMillis() / 1000.0;
        TensorBoard tb = new TensorBoard(dir.resolve("run"));
        tb.onTrainBegin();
        tb.onEpochEnd(0, logs("loss", 0.75, "accuracy", 0.5, "val_loss", 0.8, "val_accuracy", 0.4, "learning_rate", 0.01));
        tb.onEpochEnd(1, logs("loss", 0.25, "accuracy", 0.875, "val_loss", 0.3, "val_accuracy", 0.9, "learning_rate", 0.005));
        // Flushed after each epoch: readable before training ends.
        assertEquals(3, read(eventFiles(dir.resolve("run/train")).get(0)).size());
        tb.onTrainEnd(Map.of());
        double after = System.currentTimeMillis() / 1000.0 + 1e-3;

        Path trainFile = eventFiles(dir.resolve("run/train")).get(0);
        String name = trainFile.getFileName().toString();
        assertTrue(name.matches("events\\.out\\.tfevents\\.\\d+\\.[A-Za-z0-9._-]+\\." + ProcessHandle.current().pid() + "\\.v2"), name);
        long seconds = Long.parseLong(name.split("\\.")[3]);
        assertTrue(seconds >= (long) before && seconds <= (long) after, name);

        // Every TensorFlow event file starts with these 12 bytes: length 24, then its masked CRC.
        byte[] head = Arrays.copyOf(Files.readAllBytes(trainFile), 12);
        assertArrayEquals(new byte[]{0x18, 0, 0, 0, 0, 0, 0, 0, (byte) 0xa3, 0x7f, 0x4b, 0x22}, head);

        List<Event> train = readOnly(dir.resolve("run/train"));
        assertEquals(3, train.size());
        for (Event e : train) assertTrue(e.wallTime() >= before - 1e-3 && e.wallTime() <= after, "wall time " + e.wallTime());
        assertEquals(0, train.get(1).step());
        assertEquals(Map.of("epoch_loss", 0.75f, "epoch_accuracy", 0.5f, "epoch_learning_rate", 0.01f), train.get(1).values());
        assertEquals(1, train.get(2).step());
        assertEquals(Map.of("epoch_loss", 0.25f, "epoch_accuracy", 0.875f, "epoch_learning_rate", 0.005f), train.get(2).values());
        assertEquals(List.of("epoch_loss", "epoch_accuracy", "epoch_learning_rate"), List.copyOf(train.get(1).values().keySet()));

        List<Event> val = readOnly(dir.resolve("run/validation"));
        assertEquals(3, val.size());
        assertEquals(0, val.get(1).step());
        assertEquals(Map.of("epoch_loss", 0.8f, "epoch_accuracy", 0.4f), val.get(1).values());
        assertEquals(1, val.get(2).step());
        assertEquals(Map.of("epoch_loss", 0.3f, "epoch_accuracy", 0.9f), val.get(2).values());
    }

    @Test
    void recordsWhatFitLogsAndStartsANewFilePerRun() throws IOException {
        Rng rng = new Rng(2);
        int n = 50;
        float[] x = new float[n * 2];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            x[2 * i] = (float) (2 * y[i] - 1 + 0.5 * rng.nextGaussian());
            x[2 * i + 1] = (float) rng.nextGaussian();
        }
        Sequential m = new Sequential(new InputLayer(2), new Dense(2, "softmax"));
        m.seed(7);
        m.compile(new Adam(0.05f), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
        Path logDir = dir.resolve("logs");
        FitOptions o = new FitOptions().epochs(3).batchSize(10).validationSplit(0.2f).verbose(0).callbacks(new TensorBoard(logDir));
        History h = m.fit(Tensor.of(x, n, 2), Tensor.ofLongs(y, n), o);

        List<Event> train = readOnly(logDir.resolve("train"));
        List<Event> val = readOnly(logDir.resolve("validation"));
        assertEquals(4, train.size());
        assertEquals(4, val.size());
        for (int e = 0; e < 3; e++) {
            assertEquals(e, train.get(e + 1).step());
            assertEquals(e, val.get(e + 1).step());
            assertEquals((float) (double) h.get("loss").get(e), train.get(e + 1).values().get("epoch_loss"));
            assertEquals((float) (double) h.get("accuracy").get(e), train.get(e + 1).values().get("epoch_accuracy"));
            assertEquals((float) (double) h.get("learning_rate").get(e), train.get(e + 1).values().get("epoch_learning_rate"));
            assertEquals((float) (double) h.get("val_loss").get(e), val.get(e + 1).values().get("epoch_loss"));
            assertEquals((float) (double) h.get("val_accuracy").get(e), val.get(e + 1).values().get("epoch_accuracy"));
        }

        // A second run in the same folder (likely in the same second) gets a file of its own.
        m.fit(Tensor.of(x, n, 2), Tensor.ofLongs(y, n), new FitOptions().epochs(1).batchSize(10).verbose(0).callbacks(new TensorBoard(logDir)));
        List<Path> files = eventFiles(logDir.resolve("train"));
        assertEquals(2, files.size(), files.toString());
        assertNotEquals(Files.size(files.get(0)), 0L);
        assertEquals(1, eventFiles(logDir.resolve("validation")).size(), "no validation data in the second run: no new file");
        for (Path f : files) assertTrue(read(f).size() == 2 || read(f).size() == 4, f.toString());
    }

    @Test
    void noValidationFolderWithoutValidationData() throws IOException {
        TensorBoard tb = new TensorBoard(dir);
        tb.onTrainBegin();
        tb.onEpochEnd(0, logs("loss", 1.5));
        tb.onTrainEnd(Map.of());
        assertFalse(Files.exists(dir.resolve("validation")));
        List<Event> train = readOnly(dir.resolve("train"));
        assertEquals(Map.of("epoch_loss", 1.5f), train.get(1).values());
    }

    @Test
    void rejectsNullFolder() {
        assertThrows(IllegalArgumentException.class, () -> new TensorBoard(null));
    }
}
