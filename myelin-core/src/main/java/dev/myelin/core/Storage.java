package dev.myelin.core;

/**
 * The flat array behind one or more tensors. Views share a storage; its version counts in-place
 * writes, so that autograd can tell when a tensor it saved for backward has been changed.
 */
public final class Storage {
    final DType dtype;
    final Object array; // float[], int[], long[] or byte[] (int8 and uint8)
    private int version;

    Storage(DType dtype, Object array) {
        this.dtype = dtype;
        this.array = array;
    }

    static Storage allocate(DType dtype, int n) {
        return new Storage(dtype, switch (dtype) {
            case FLOAT32 -> new float[n];
            case INT32 -> new int[n];
            case INT64 -> new long[n];
            case INT8, UINT8 -> new byte[n];
        });
    }

    public DType dtype() {
        return dtype;
    }

    public int length() {
        return switch (dtype) {
            case FLOAT32 -> ((float[]) array).length;
            case INT32 -> ((int[]) array).length;
            case INT64 -> ((long[]) array).length;
            case INT8, UINT8 -> ((byte[]) array).length;
        };
    }

    /** Number of in-place writes so far. */
    public int version() {
        return version;
    }

    void bumpVersion() {
        version++;
    }

    /** Reads element i as a double, whatever the dtype (uint8 as 0..255). */
    double getAsDouble(int i) {
        return switch (dtype) {
            case FLOAT32 -> ((float[]) array)[i];
            case INT32 -> ((int[]) array)[i];
            case INT64 -> ((long[]) array)[i];
            case INT8 -> ((byte[]) array)[i];
            case UINT8 -> ((byte[]) array)[i] & 0xFF;
        };
    }

    void setFromDouble(int i, double v) {
        switch (dtype) {
            case FLOAT32 -> ((float[]) array)[i] = (float) v;
            case INT32 -> ((int[]) array)[i] = (int) v;
            case INT64 -> ((long[]) array)[i] = (long) v;
            case INT8, UINT8 -> ((byte[]) array)[i] = (byte) (long) v;
        }
    }
}
