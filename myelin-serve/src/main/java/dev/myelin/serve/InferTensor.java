package dev.myelin.serve;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One named tensor as the protocol carries it: datatype, shape (batch axis first) and row-major
 * values, FP32 as floats, INT32 and INT64 as longs, BYTES (strings, such as raw texts for a model
 * saved with its text preprocessing) as byte arrays. Used for request inputs and response
 * outputs, by the server and by {@link KServeClient}.
 *
 * <pre>{@code
 * InferTensor x = InferTensor.fp32("input", new float[]{1, 2, 3, 4, 5, 6}, 2, 3);   // 2 rows of 3
 * InferTensor ids = InferTensor.int64("tokens", new long[]{5, 9, 0, 0}, 1, 4);
 * InferTensor texts = InferTensor.strings("review", List.of("A fine film.", "Dull."));   // BYTES [2]
 * }</pre>
 *
 * <p>The arrays are shared, not copied, and a record's equality compares them by identity.
 *
 * @param floats the values of an FP32 tensor, else null
 * @param longs  the values of an INT32 or INT64 tensor, else null
 * @param bytes  the elements of a BYTES tensor, else null
 */
public record InferTensor(String name, Datatype datatype, int[] shape, float[] floats, long[] longs, byte[][] bytes) {
    public InferTensor {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a tensor needs a name");
        if (datatype == null || !datatype.supported()) {
            throw new IllegalArgumentException("tensor '" + name + "': datatype must be FP32, INT32, INT64 or BYTES, got " + datatype);
        }
        shape = shape.clone();
        long n = numel(shape);
        int given = (floats != null ? 1 : 0) + (longs != null ? 1 : 0) + (bytes != null ? 1 : 0);
        if (datatype == Datatype.FP32) {
            if (floats == null || given != 1) throw new IllegalArgumentException("tensor '" + name + "': FP32 values go in floats, and only there");
            if (floats.length != n) throw new IllegalArgumentException("tensor '" + name + "': " + floats.length + " values do not fill shape " + Arrays.toString(shape));
        } else if (datatype == Datatype.BYTES) {
            if (bytes == null || given != 1) throw new IllegalArgumentException("tensor '" + name + "': BYTES elements go in bytes, and only there");
            if (bytes.length != n) throw new IllegalArgumentException("tensor '" + name + "': " + bytes.length + " elements do not fill shape " + Arrays.toString(shape));
            for (byte[] b : bytes) if (b == null) throw new IllegalArgumentException("tensor '" + name + "': a BYTES element is null");
        } else {
            if (longs == null || given != 1) throw new IllegalArgumentException("tensor '" + name + "': " + datatype + " values go in longs, and only there");
            if (longs.length != n) throw new IllegalArgumentException("tensor '" + name + "': " + longs.length + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    /** A tensor of numbers: FP32 in {@code floats}, INT32 or INT64 in {@code longs}. */
    public InferTensor(String name, Datatype datatype, int[] shape, float[] floats, long[] longs) {
        this(name, datatype, shape, floats, longs, null);
    }

    /** An FP32 tensor over {@code values} (not copied) in {@code shape}. */
    public static InferTensor fp32(String name, float[] values, int... shape) {
        return new InferTensor(name, Datatype.FP32, shape, values, null, null);
    }

    /** An INT64 tensor over {@code values} (not copied) in {@code shape}. */
    public static InferTensor int64(String name, long[] values, int... shape) {
        return new InferTensor(name, Datatype.INT64, shape, null, values, null);
    }

    /** An INT32 tensor; the values must fit in 32 bits. */
    public static InferTensor int32(String name, int[] values, int... shape) {
        long[] l = new long[values.length];
        for (int i = 0; i < l.length; i++) l[i] = values[i];
        return new InferTensor(name, Datatype.INT32, shape, null, l, null);
    }

    /** A BYTES tensor of shape [texts], each text as UTF-8: one raw text per row. */
    public static InferTensor strings(String name, List<String> texts) {
        byte[][] b = new byte[texts.size()][];
        for (int i = 0; i < b.length; i++) b[i] = texts.get(i).getBytes(StandardCharsets.UTF_8);
        return new InferTensor(name, Datatype.BYTES, new int[]{b.length}, null, null, b);
    }

    /** The BYTES elements decoded as UTF-8 (a malformed sequence becomes U+FFFD). */
    public List<String> strings() {
        if (bytes == null) throw new IllegalStateException("tensor '" + name + "' is " + datatype + ", not BYTES");
        List<String> out = new ArrayList<>(bytes.length);
        for (byte[] b : bytes) out.add(new String(b, StandardCharsets.UTF_8));
        return out;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** The number of elements: the product of the shape. */
    public int numel() {
        return (int) numel(shape);
    }

    /** Size of the first axis (the batch); 1 for a scalar. */
    public int rows() {
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Bytes of the values in the binary tensor data extension (for BYTES: a 4-byte length before each element). */
    public long byteSize() {
        if (bytes != null) {
            long n = 0;
            for (byte[] b : bytes) n += 4 + b.length;
            return n;
        }
        return (long) numel() * datatype.byteSize();
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("shape sizes must not be negative, got " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than " + Integer.MAX_VALUE + " elements");
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + datatype + Arrays.toString(shape);
    }
}
