package dev.myelin.serve;

import java.util.Arrays;

/**
 * One named tensor as the protocol carries it: datatype, shape (batch axis first) and row-major
 * values, FP32 as floats, INT32 and INT64 as longs. Used for request inputs and response outputs,
 * by the server and by {@link KServeClient}.
 *
 * <pre>{@code
 * InferTensor x = InferTensor.fp32("input", new float[]{1, 2, 3, 4, 5, 6}, 2, 3);   // 2 rows of 3
 * InferTensor ids = InferTensor.int64("tokens", new long[]{5, 9, 0, 0}, 1, 4);
 * }</pre>
 *
 * <p>The arrays are shared, not copied, and a record's equality compares them by identity.
 *
 * @param floats the values of an FP32 tensor, else null
 * @param longs  the values of an INT32 or INT64 tensor, else null
 */
public record InferTensor(String name, Datatype datatype, int[] shape, float[] floats, long[] longs) {
    public InferTensor {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a tensor needs a name");
        if (datatype == null || !datatype.supported()) {
            throw new IllegalArgumentException("tensor '" + name + "': datatype must be FP32, INT32 or INT64, got " + datatype);
        }
        shape = shape.clone();
        long n = numel(shape);
        if (datatype == Datatype.FP32) {
            if (floats == null || longs != null) throw new IllegalArgumentException("tensor '" + name + "': FP32 values go in floats, and only there");
            if (floats.length != n) throw new IllegalArgumentException("tensor '" + name + "': " + floats.length + " values do not fill shape " + Arrays.toString(shape));
        } else {
            if (longs == null || floats != null) throw new IllegalArgumentException("tensor '" + name + "': " + datatype + " values go in longs, and only there");
            if (longs.length != n) throw new IllegalArgumentException("tensor '" + name + "': " + longs.length + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    /** An FP32 tensor over {@code values} (not copied) in {@code shape}. */
    public static InferTensor fp32(String name, float[] values, int... shape) {
        return new InferTensor(name, Datatype.FP32, shape, values, null);
    }

    /** An INT64 tensor over {@code values} (not copied) in {@code shape}. */
    public static InferTensor int64(String name, long[] values, int... shape) {
        return new InferTensor(name, Datatype.INT64, shape, null, values);
    }

    /** An INT32 tensor; the values must fit in 32 bits. */
    public static InferTensor int32(String name, int[] values, int... shape) {
        long[] l = new long[values.length];
        for (int i = 0; i < l.length; i++) l[i] = values[i];
        return new InferTensor(name, Datatype.INT32, shape, null, l);
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

    /** Bytes of the values in the binary tensor data extension. */
    public long byteSize() {
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
