package dev.myelin.data.text;

import dev.myelin.core.Tensor;

import java.util.List;

/**
 * Lists of token sequences of different lengths made into one int32 tensor (n, maxLen), as
 * Keras' {@code pad_sequences}.
 *
 * <pre>{@code Tensor x = Sequences.pad(tok.textsToSequences(texts), 200, Sequences.Side.PRE, Sequences.Side.POST);}</pre>
 */
public final class Sequences {
    private Sequences() {}

    /** Where padding goes, or which end truncation cuts off. */
    public enum Side { PRE, POST }

    /** Pads every sequence to the longest one, zeros in front (Keras' defaults). */
    public static Tensor pad(List<int[]> sequences) {
        int longest = 0;
        for (int[] s : sequences) longest = Math.max(longest, s.length);
        return pad(sequences, longest, Side.PRE, Side.PRE, 0);
    }

    /** Keras' defaults: pad with 0 and truncate at the front ({@code PRE}, {@code PRE}). */
    public static Tensor pad(List<int[]> sequences, int maxLen) {
        return pad(sequences, maxLen, Side.PRE, Side.PRE, 0);
    }

    public static Tensor pad(List<int[]> sequences, int maxLen, Side padding, Side truncating) {
        return pad(sequences, maxLen, padding, truncating, 0);
    }

    /**
     * int32 (n, maxLen). A longer sequence loses its first tokens ({@code truncating = PRE}) or its
     * last ({@code POST}); a shorter one gets {@code value} in front ({@code padding = PRE}) or
     * after ({@code POST}).
     */
    public static Tensor pad(List<int[]> sequences, int maxLen, Side padding, Side truncating, int value) {
        if (maxLen < 0) throw new IllegalArgumentException("Sequences.pad: maxLen must be >= 0, got " + maxLen);
        int n = sequences.size();
        int[] out = new int[Math.multiplyExact(n, maxLen)];
        if (value != 0) java.util.Arrays.fill(out, value);
        for (int i = 0; i < n; i++) {
            int[] s = sequences.get(i);
            int len = Math.min(s.length, maxLen);
            int from = truncating == Side.PRE ? s.length - len : 0;
            int to = padding == Side.PRE ? maxLen - len : 0;
            System.arraycopy(s, from, out, i * maxLen + to, len);
        }
        return Tensor.ofInts(out, n, maxLen);
    }
}
