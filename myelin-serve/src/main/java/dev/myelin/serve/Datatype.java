package dev.myelin.serve;

/**
 * The tensor element types of the KServe v2 (Open Inference) protocol, by their wire names.
 * Myelin models take FP32 features, INT64 (or INT32) ids, or BYTES texts where the model carries
 * its tokenizer; the other names are known so an
 * error can say what came, and {@link #supported()} says which ones a tensor may carry here.
 */
public enum Datatype {
    BOOL(1), UINT8(1), UINT16(2), UINT32(4), UINT64(8),
    INT8(1), INT16(2), INT32(4), INT64(8),
    FP16(2), FP32(4), FP64(8),
    /** Variable-length strings: no fixed element size. */
    BYTES(-1);

    private static final Datatype[] ALL = values();   // values() copies its array on every call

    private final int byteSize;

    Datatype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element in the binary tensor data extension (little-endian, no padding); -1 for BYTES. */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Whether tensors of this type can be sent to or returned by a Myelin model: FP32, INT32,
     * INT64, and BYTES for the text input of a model saved with its text preprocessing.
     */
    public boolean supported() {
        return this == FP32 || this == INT32 || this == INT64 || this == BYTES;
    }

    /** Whether the values are whole numbers (held as longs here). */
    public boolean integral() {
        return this == INT32 || this == INT64;
    }

    /** The type for a wire name ("FP32"); null when the name is not a protocol datatype. */
    public static Datatype parse(String name) {
        if (name == null) return null;
        for (Datatype d : ALL) if (d.name().equals(name)) return d;
        return null;
    }
}
