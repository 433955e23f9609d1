package dev.myelin.core;

/** Element types. Float32 is what ops compute in; the integer types hold indices and quantized values. */
public enum DType {
    FLOAT32("float32", 4),
    INT32("int32", 4),
    INT64("int64", 8),
    INT8("int8", 1),
    UINT8("uint8", 1);

    private final String label;
    private final int byteSize;

    DType(String label, int byteSize) {
        this.label = label;
        this.byteSize = byteSize;
    }

    /** Size of one element in bytes. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloating() {
        return this == FLOAT32;
    }

    /** The lower-case name used by numpy, PyTorch and safetensors-style metadata ("float32"). */
    @Override
    public String toString() {
        return label;
    }
}
