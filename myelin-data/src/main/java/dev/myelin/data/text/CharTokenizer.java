package dev.myelin.data.text;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Characters (Unicode code points) to integer indices, for character-level models.
 *
 * <pre>{@code
 * CharTokenizer tok = CharTokenizer.fit(text);                     // 0 padding, 1 unknown, then the characters
 * Tensor ids = Tensor.ofInts(tok.encode(text));
 * CharTokenizer plain = CharTokenizer.builder().reserved(false).fit(text);  // indices 0..n-1, as char-rnn
 * }</pre>
 *
 * The characters are ordered by code point (as char-rnn's and nanoGPT's {@code sorted(set(text))}),
 * so the indices depend only on which characters occur, not on their counts or order. With the
 * reserved indices (the default, as the word tokenizer and Keras), index 0 is padding, 1 stands for
 * a character never seen while fitting, and the characters start at 2; without them the characters
 * take 0 to n - 1 and encoding an unseen character is an error naming it and its position.
 */
public final class CharTokenizer {

    public static final int PAD = 0, OOV = 1;

    static final String FORMAT = "myelin.char-tokenizer";
    static final int VERSION = 1;

    private final boolean lower;
    private final boolean reserved;
    private final int[] codePoints; // sorted; codePoints[i] has index i + first()
    private final Map<Integer, Integer> index = new HashMap<>();

    private CharTokenizer(boolean lower, boolean reserved, int[] codePoints) {
        this.lower = lower;
        this.reserved = reserved;
        this.codePoints = codePoints;
        for (int i = 0; i < codePoints.length; i++) {
            if (i > 0 && codePoints[i] <= codePoints[i - 1]) throw new IllegalArgumentException("code points must be sorted and distinct");
            index.put(codePoints[i], i + first());
        }
    }

    /** Fits with the reserved padding and unknown indices, case kept. */
    public static CharTokenizer fit(CharSequence corpus) {
        return builder().fit(corpus);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings; {@link #fit} makes the tokenizer. */
    public static final class Builder {
        private boolean lower;
        private boolean reserved = true;

        private Builder() {}

        /** Lower-case text (with {@link Locale#ROOT}) before fitting and encoding; off by default. */
        public Builder lower(boolean lower) {
            this.lower = lower;
            return this;
        }

        /** Whether indices 0 (padding) and 1 (unknown) are reserved; on by default. */
        public Builder reserved(boolean reserved) {
            this.reserved = reserved;
            return this;
        }

        public CharTokenizer fit(CharSequence corpus) {
            return fit(List.of(corpus));
        }

        public CharTokenizer fit(Iterable<? extends CharSequence> texts) {
            TreeSet<Integer> seen = new TreeSet<>();
            for (CharSequence t : texts) {
                String s = lower ? t.toString().toLowerCase(Locale.ROOT) : t.toString();
                s.codePoints().forEach(seen::add);
            }
            int[] cps = new int[seen.size()];
            int i = 0;
            for (int cp : seen) cps[i++] = cp;
            return new CharTokenizer(lower, reserved, cps);
        }
    }

    private int first() {
        return reserved ? 2 : 0;
    }

    /** Indices of the text's code points. */
    public int[] encode(CharSequence text) {
        String s = lower ? text.toString().toLowerCase(Locale.ROOT) : text.toString();
        int[] out = new int[s.codePointCount(0, s.length())];
        int k = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            Integer id = index.get(cp);
            if (id == null) {
                if (!reserved) {
                    throw new IllegalArgumentException("character " + describe(cp) + " at position " + k
                            + " was not in the fitted text; fit on a corpus that has it, or use builder().reserved(true) to map it to index 1");
                }
                id = OOV;
            }
            out[k++] = id;
            i += Character.charCount(cp);
        }
        return out;
    }

    /** The text of a sequence; padding is skipped and the unknown index becomes U+FFFD. */
    public String decode(int[] sequence) {
        StringBuilder sb = new StringBuilder(sequence.length);
        for (int id : sequence) {
            if (reserved && id == PAD) continue;
            if (reserved && id == OOV) {
                sb.append('\uFFFD');
                continue;
            }
            int i = id - first();
            if (i < 0 || i >= codePoints.length) throw new IllegalArgumentException("no character at index " + id + "; indices run to " + (vocabSize() - 1));
            sb.appendCodePoint(codePoints[i]);
        }
        return sb.toString();
    }

    /** The fitted characters in index order. */
    public List<String> characters() {
        List<String> out = new ArrayList<>(codePoints.length);
        for (int cp : codePoints) out.add(Character.toString(cp));
        return out;
    }

    /** One more than the largest index: the characters plus the two reserved indices if any. */
    public int vocabSize() {
        return codePoints.length + first();
    }

    public boolean reserved() {
        return reserved;
    }

    /** Writes the settings and characters as JSON (temporary file, then moved into place). */
    public void save(Path path) throws IOException {
        Map<String, Object> m = VocabFile.header(FORMAT, VERSION);
        m.put("lower", lower);
        m.put("reserved", reserved);
        List<Integer> cps = new ArrayList<>(codePoints.length);
        for (int cp : codePoints) cps.add(cp);
        // Code points rather than a string: control characters and lone surrogates survive any editor.
        m.put("codePoints", cps);
        VocabFile.write(path, m);
    }

    /** Reads a file written by {@link #save}. */
    public static CharTokenizer load(Path path) throws IOException {
        Map<String, Object> m = VocabFile.read(path, FORMAT, VERSION);
        List<?> l = VocabFile.list(path, m, "codePoints");
        int[] cps = new int[l.size()];
        for (int i = 0; i < cps.length; i++) {
            if (!(l.get(i) instanceof Integer cp) || cp < 0 || cp > Character.MAX_CODE_POINT) {
                throw new IOException(path + ": codePoints[" + i + "] is " + VocabFile.quote(l.get(i)) + ", expected a Unicode code point");
            }
            if (i > 0 && cp <= cps[i - 1]) throw new IOException(path + ": codePoints[" + i + "] = " + cp + " is not above codePoints[" + (i - 1) + "]; expected them sorted and distinct");
            cps[i] = cp;
        }
        return new CharTokenizer(VocabFile.bool(path, m, "lower"), VocabFile.bool(path, m, "reserved"), cps);
    }

    private static String describe(int cp) {
        return String.format("'%s' (U+%04X)", Character.isISOControl(cp) ? "?" : Character.toString(cp), cp);
    }

    @Override
    public String toString() {
        return "CharTokenizer" + Arrays.toString(characters().toArray()) + (reserved ? " + padding, unknown" : "");
    }
}
