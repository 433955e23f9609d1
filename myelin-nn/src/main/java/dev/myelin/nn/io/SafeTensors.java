package dev.myelin.nn.io;

import dev.myelin.core.DType;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format, so weights move between Myelin and other tools (PyTorch, JAX, numpy, Hugging Face).
 *
 * <p>Layout: an unsigned 64-bit little-endian header size N; N bytes of UTF-8 JSON,
 * {@code {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value"}}}, padded with spaces so the data starts 8-byte aligned; then
 * the tensors' raw little-endian bytes, row-major, with offsets relative to the end of the header,
 * covering the data with no gaps or overlaps. Written and read: F32, I32, I64, I8, U8 (written
 * widest type first, so each tensor's data is aligned to its element size). Also read, widened
 * to float32: F16, BF16, F64.
 *
 * <pre>{@code
 * SafeTensors.save(Map.of("w", Tensor.randn(new Rng(1), 3, 4)), Map.of("source", "demo"), Path.of("w.safetensors"));
 * Tensor w = SafeTensors.load(Path.of("w.safetensors")).tensors().get("w");
 * }</pre>
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** Largest header accepted, as in the reference implementation; a bigger one means a corrupt file. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    private static final int CHUNK = 1 << 20;

    /** Tensors by name, in the order of their data, and the string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    // ------------------------------------------------------------------ writing

    /** Writes tensors and string metadata to {@code path} as a standalone .safetensors file, atomically. */
    public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path path) throws IOException {
        Encoded e = encode(tensors, metadata);
        try (AtomicFile f = AtomicFile.create(path)) {
            e.writeTo(f.channel());
            f.commit();
        }
    }

    /** A laid-out blob: the header is built, the tensors stream out on {@link #writeTo}. */
    static final class Encoded {
        private final byte[] header;
        private final List<Map.Entry<String, Tensor>> tensors;
        private final long dataBytes;

        private Encoded(byte[] header, List<Map.Entry<String, Tensor>> tensors, long dataBytes) {
            this.header = header;
            this.tensors = tensors;
            this.dataBytes = dataBytes;
        }

        /** Total bytes: 8 + header + data. */
        long size() {
            return header.length + dataBytes;
        }

        void writeTo(WritableByteChannel out) throws IOException {
            writeFully(out, ByteBuffer.wrap(header));
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (var e : tensors) writeData(e.getValue(), out, buf);
        }
    }

    static Encoded encode(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            Map<String, Object> md = new LinkedHashMap<>();
            for (var e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) throw new IllegalArgumentException("safetensors metadata keys and values must not be null: " + metadata);
                md.put(e.getKey(), e.getValue());
            }
            header.put(METADATA_KEY, md);
        }
        // Wider elements first (stable otherwise), so every tensor's data stays aligned to its element size.
        List<Map.Entry<String, Tensor>> sorted = new ArrayList<>(tensors.entrySet());
        sorted.sort(Comparator.comparingInt((Map.Entry<String, Tensor> e) -> -e.getValue().dtype().byteSize()));
        List<Map.Entry<String, Tensor>> order = new ArrayList<>();
        long offset = 0;
        for (var e : sorted) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.isEmpty() || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("safetensors: tensor name must be non-empty and not '" + METADATA_KEY + "', got '" + name + "'");
            }
            long bytes = (long) t.numel() * t.dtype().byteSize();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", code(t.dtype()));
            List<Object> shape = new ArrayList<>();
            for (int d : t.shape()) shape.add(d);
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + bytes));
            header.put(name, entry);
            order.add(Map.entry(name, t));
            offset += bytes;
        }
        byte[] json = Json.write(header, false);
        int padded = (json.length + 8 + 7) / 8 * 8 - 8;    // 8 + padded is a multiple of 8
        ByteBuffer h = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(padded).put(json);
        while (h.hasRemaining()) h.put((byte) ' ');
        return new Encoded(h.array(), order, offset);
    }

    private static String code(DType d) {
        return switch (d) {
            case FLOAT32 -> "F32";
            case INT32 -> "I32";
            case INT64 -> "I64";
            case INT8 -> "I8";
            case UINT8 -> "U8";
        };
    }

    /** Row-major little-endian bytes of {@code t}, through a reusable little-endian buffer. */
    private static void writeData(Tensor t, WritableByteChannel out, ByteBuffer buf) throws IOException {
        Tensor c = t.contiguous();
        int n = c.numel(), off = c.offset(), size = c.dtype().byteSize(), per = CHUNK / size;
        for (int i = 0; i < n; i += per) {
            int k = Math.min(per, n - i);
            buf.clear();
            switch (c.dtype()) {
                case FLOAT32 -> buf.asFloatBuffer().put(c.floatData(), off + i, k);
                case INT32 -> buf.asIntBuffer().put(c.intData(), off + i, k);
                case INT64 -> buf.asLongBuffer().put(c.longData(), off + i, k);
                case INT8, UINT8 -> buf.put(c.byteData(), off + i, k);
            }
            buf.position(0).limit(k * size);
            writeFully(out, buf);
        }
    }

    static void writeFully(WritableByteChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) out.write(b);
    }

    // ------------------------------------------------------------------ reading

    /** Reads a standalone .safetensors file. */
    public static Contents load(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(new Region(ch, path, 0, ch.size(), "the file", null));
        }
    }

    private record Entry(String name, String dtype, int[] shape, long begin, long end) {}

    /** Reads a safetensors blob that fills {@code r} exactly. */
    static Contents read(Region r) throws IOException {
        Path file = r.file();
        long base = r.start();
        if (r.remaining() < 8) {
            throw new ModelFileException(file, "truncated: a safetensors blob starts with an 8-byte header size at byte offset " + base
                    + ", but " + r.what() + " ends at byte offset " + (base + r.length()));
        }
        long n = ByteBuffer.wrap(r.readBytes(8, "the safetensors header size")).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new ModelFileException(file, "not a valid safetensors blob: header size at byte offset " + base + " is " + Long.toUnsignedString(n)
                    + ", expected 2 to " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > r.remaining()) {
            throw new ModelFileException(file, "truncated: the safetensors header at byte offset " + (base + 8) + " declares " + n
                    + " bytes, but " + r.what() + " ends at byte offset " + (base + r.length()));
        }
        byte[] headerBytes = r.readBytes((int) n, "the safetensors header");
        if (headerBytes[0] != '{') {
            throw new ModelFileException(file, "not a valid safetensors blob: the header at byte offset " + (base + 8) + " must start with '{'");
        }
        Map<String, Object> header = Json.readObject(headerBytes, file, "the safetensors header at byte offset " + (base + 8));
        long dataStart = base + 8 + n, dataLen = r.remaining();

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (var e : header.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                if (!(e.getValue() instanceof Map<?, ?> md)) throw bad(file, "'" + METADATA_KEY + "' must be an object of strings");
                for (var m : md.entrySet()) {
                    if (!(m.getValue() instanceof String s)) throw bad(file, "'" + METADATA_KEY + "' value of '" + m.getKey() + "' must be a string, got " + m.getValue());
                    metadata.put(String.valueOf(m.getKey()), s);
                }
                continue;
            }
            entries.add(entry(file, e.getKey(), e.getValue()));
        }
        // The data must be covered exactly: no gaps, no overlaps, nothing after the last tensor.
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : entries) {
            if (e.begin() != expected) {
                throw bad(file, "tensor '" + e.name() + "' data_offsets start at " + e.begin() + ", expected " + expected
                        + (e.begin() > expected ? " (a gap in the data)" : " (overlapping another tensor)"));
            }
            expected = e.end();
        }
        if (expected > dataLen) {
            throw new ModelFileException(file, "truncated: the tensors need data up to byte offset " + (dataStart + expected)
                    + ", but " + r.what() + " ends at byte offset " + (dataStart + dataLen));
        }
        if (expected < dataLen) {
            throw bad(file, (dataLen - expected) + " bytes after the last tensor's data (byte offset " + (dataStart + expected) + "); expected none");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) tensors.put(e.name(), readTensor(r, e, buf));
        return new Contents(tensors, metadata);
    }

    private static ModelFileException bad(Path file, String what) {
        return new ModelFileException(file, "not a valid safetensors blob: " + what);
    }

    private static Entry entry(Path file, String name, Object value) throws ModelFileException {
        if (!(value instanceof Map<?, ?> m)) throw bad(file, "entry '" + name + "' must be an object with dtype, shape and data_offsets");
        if (!(m.get("dtype") instanceof String dtype)) throw bad(file, "tensor '" + name + "' needs a string 'dtype'");
        int size = elementSize(dtype);
        if (size < 0) {
            throw new ModelFileException(file, "tensor '" + name + "' has dtype '" + dtype
                    + "', which Myelin does not read; supported: F32, I32, I64, I8, U8 (and F16, BF16, F64, widened to F32)");
        }
        if (!(m.get("shape") instanceof List<?> sl)) throw bad(file, "tensor '" + name + "' needs a 'shape' list");
        int[] shape = new int[sl.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(sl.get(i) instanceof Number d) || d.longValue() < 0 || d.longValue() > Integer.MAX_VALUE || d.doubleValue() != d.longValue()) {
                throw bad(file, "tensor '" + name + "' shape " + sl + " must hold non-negative integers");
            }
            shape[i] = d.intValue();
            numel *= shape[i];
            if (numel > Integer.MAX_VALUE - 16) {
                throw new ModelFileException(file, "tensor '" + name + "' of shape " + sl + " has more elements than a Myelin tensor holds (2^31 - 17)");
            }
        }
        if (!(m.get("data_offsets") instanceof List<?> ol) || ol.size() != 2 || !(ol.get(0) instanceof Number b) || !(ol.get(1) instanceof Number en)
                || b.longValue() < 0 || en.longValue() < b.longValue()) {
            throw bad(file, "tensor '" + name + "' needs 'data_offsets' [begin, end] with 0 <= begin <= end, got " + m.get("data_offsets"));
        }
        long begin = b.longValue(), end = en.longValue();
        if (end - begin != numel * size) {
            throw bad(file, "tensor '" + name + "' (" + dtype + ", shape " + Shape.format(shape) + ") needs " + numel * size
                    + " bytes, but its data_offsets [" + begin + ", " + end + "] give " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static int elementSize(String dtype) {
        return switch (dtype) {
            case "F32", "I32" -> 4;
            case "I64", "F64" -> 8;
            case "I8", "U8" -> 1;
            case "F16", "BF16" -> 2;
            default -> -1;
        };
    }

    private static Tensor readTensor(Region r, Entry e, ByteBuffer buf) throws IOException {
        int n = Shape.numel(e.shape());
        int size = elementSize(e.dtype()), per = CHUNK / size;
        String need = "tensor '" + e.name() + "'";
        Tensor t = switch (e.dtype()) {
            case "I32" -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i += per) {
                    int k = fill(r, buf, Math.min(per, n - i) * size, need);
                    buf.asIntBuffer().get(a, i, k / size);
                }
                yield Tensor.ofInts(a, vectorShape(e.shape(), n));
            }
            case "I64" -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i += per) {
                    int k = fill(r, buf, Math.min(per, n - i) * size, need);
                    buf.asLongBuffer().get(a, i, k / size);
                }
                yield Tensor.ofLongs(a, vectorShape(e.shape(), n));
            }
            case "I8", "U8" -> {
                byte[] a = new byte[n];
                if (n > 0) r.readFully(ByteBuffer.wrap(a), need);
                yield Tensor.ofBytes(a, e.dtype().equals("I8") ? DType.INT8 : DType.UINT8, vectorShape(e.shape(), n));
            }
            default -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i += per) {
                    int k = fill(r, buf, Math.min(per, n - i) * size, need) / size;
                    switch (e.dtype()) {
                        case "F32" -> buf.asFloatBuffer().get(a, i, k);
                        case "F64" -> {
                            for (int j = 0; j < k; j++) a[i + j] = (float) buf.getDouble(j * 8);
                        }
                        case "F16" -> {
                            for (int j = 0; j < k; j++) a[i + j] = Float.float16ToFloat(buf.getShort(j * 2));
                        }
                        default -> { // BF16: the high half of a float32
                            for (int j = 0; j < k; j++) a[i + j] = Float.intBitsToFloat((buf.getShort(j * 2) & 0xFFFF) << 16);
                        }
                    }
                }
                yield Tensor.wrap(a, vectorShape(e.shape(), n));
            }
        };
        // Rank 0: the factories above read an empty shape as "a vector of all the data".
        return e.shape().length == 0 ? t.reshape() : t;
    }

    private static int[] vectorShape(int[] shape, int n) {
        return shape.length == 0 ? new int[]{n} : shape;
    }

    /** Reads {@code bytes} bytes into {@code buf} from position 0 and leaves it positioned at 0. */
    private static int fill(Region r, ByteBuffer buf, int bytes, String need) throws IOException {
        buf.clear().limit(bytes);
        r.readFully(buf, need);
        buf.flip();
        return bytes;
    }
}
