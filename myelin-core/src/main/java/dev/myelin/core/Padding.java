package dev.myelin.core;

/**
 * How a convolution or pooling window treats the input's borders, with Keras/TensorFlow
 * semantics:
 * <ul>
 *   <li>{@link #VALID}: no padding; windows lie wholly inside the input, out = floor((in - k) / s) + 1.</li>
 *   <li>{@link #SAME}: out = ceil(in / s); the padding needed, max((out - 1) s + k - in, 0), is split
 *       with the extra element at the bottom/right (TensorFlow's rule).</li>
 *   <li>{@link #CAUSAL}: 1-D convolutions only; (k - 1) zeros before the sequence, none after, so
 *       output t sees inputs up to t (Keras {@code padding="causal"}).</li>
 *   <li>{@link Explicit}: given amounts per side.</li>
 * </ul>
 * Here k is the dilated window extent, (k - 1) * dilation + 1.
 *
 * <pre>{@code Conv.conv2d(x, kernel, null, new int[]{2, 2}, Padding.SAME, new int[]{1, 1}, 1);}</pre>
 */
public sealed interface Padding {

    Padding VALID = new Valid();
    Padding SAME = new Same();
    Padding CAUSAL = new Causal();

    record Valid() implements Padding {
        @Override
        public String toString() {
            return "VALID";
        }
    }

    record Same() implements Padding {
        @Override
        public String toString() {
            return "SAME";
        }
    }

    record Causal() implements Padding {
        @Override
        public String toString() {
            return "CAUSAL";
        }
    }

    /**
     * Zeros added on each side of the two spatial axes. For 1-D ops only {@code left} (before the
     * sequence) and {@code right} (after it) apply, and top and bottom must be 0.
     */
    record Explicit(int top, int bottom, int left, int right) implements Padding {
        public Explicit {
            if (top < 0 || bottom < 0 || left < 0 || right < 0) {
                throw new IllegalArgumentException("padding amounts must be >= 0, got (top " + top + ", bottom " + bottom
                        + ", left " + left + ", right " + right + ")");
            }
        }

        @Override
        public String toString() {
            return "explicit(" + top + ", " + bottom + ", " + left + ", " + right + ")";
        }
    }

    /** Explicit padding for 2-D ops: {@code Padding.explicit(1, 1, 2, 2)}. */
    static Padding explicit(int top, int bottom, int left, int right) {
        return new Explicit(top, bottom, left, right);
    }

    /** Explicit padding for 1-D ops: {@code before} zeros ahead of the sequence, {@code after} behind it. */
    static Padding explicit(int before, int after) {
        return new Explicit(0, 0, before, after);
    }
}
