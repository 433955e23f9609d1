package dev.myelin.data.text;

import dev.myelin.core.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How raw texts become a text model's input ids, saved with the model so that whoever runs it
 * (the inference server, a script) tokenizes exactly as training did: an optional pattern
 * replaced by a space ({@code strip}, e.g. HTML line breaks), a {@link WordTokenizer} read from a
 * vocabulary file beside the model file, and {@link Sequences#pad} to {@code maxlen} ids.
 *
 * <p>Saved as a map in the model file's training metadata under {@link #KEY}, naming the
 * vocabulary file relative to the model file's folder:
 * <pre>{@code
 * "text_preprocessing": {"tokenizer": "vocab.json", "maxlen": 200, "padding": "pre", "truncating": "pre", "strip": "<br\\s*\/?>"}
 * }</pre>
 *
 * <pre>{@code
 * TextPreprocessing prep = new TextPreprocessing(tok, "vocab.json", 200, Sequences.Side.PRE, Sequences.Side.PRE, null);
 * tok.save(dir.resolve(prep.tokenizerFile()));
 * ModelFile.save(model, dir.resolve("model.myelin"), Map.of(TextPreprocessing.KEY, prep.toMap()));
 * // later, beside the model file:
 * TextPreprocessing back = TextPreprocessing.fromMap(map, dir);
 * Tensor ids = back.apply(List.of("a raw review"));   // int32 (1, 200)
 * }</pre>
 *
 * @param tokenizer     the fitted tokenizer
 * @param tokenizerFile its file name in the model's folder (no folders, so it cannot point elsewhere)
 * @param maxLen        ids per text
 * @param padding       where padding zeros go when a text is shorter
 * @param truncating    which end is cut when a text is longer
 * @param strip         a pattern replaced by a space before tokenizing, or null; read back case-insensitively
 *                      (the saved form keeps the pattern, not its flags), as the IMDB example strips {@code <br />}
 */
public record TextPreprocessing(WordTokenizer tokenizer, String tokenizerFile, int maxLen, Sequences.Side padding, Sequences.Side truncating,
                                Pattern strip) {
    /** The key of the map in a model file's training metadata. */
    public static final String KEY = "text_preprocessing";

    public TextPreprocessing {
        if (tokenizer == null) throw new IllegalArgumentException("text preprocessing needs a tokenizer");
        checkFileName(tokenizerFile);
        if (maxLen < 1) throw new IllegalArgumentException("text preprocessing: maxlen must be at least 1, got " + maxLen);
        if (padding == null || truncating == null) throw new IllegalArgumentException("text preprocessing: give padding and truncating (PRE or POST)");
    }

    private static void checkFileName(String name) {
        if (name == null || name.isBlank() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("text preprocessing: the tokenizer must be a file name in the model's folder (no folders), got "
                    + (name == null ? "nothing" : "'" + name + "'"));
        }
    }

    /** The saved form: tokenizer (file name), maxlen, padding, truncating ("pre"/"post"), strip (when set). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokenizer", tokenizerFile);
        m.put("maxlen", maxLen);
        m.put("padding", padding.name().toLowerCase(Locale.ROOT));
        m.put("truncating", truncating.name().toLowerCase(Locale.ROOT));
        if (strip != null) m.put("strip", strip.pattern());
        return m;
    }

    /**
     * Reads the saved form, loading the tokenizer from {@code dir} (the model file's folder).
     * padding and truncating default to "pre" (Keras' pad_sequences); strip to none.
     */
    public static TextPreprocessing fromMap(Map<?, ?> m, Path dir) throws IOException {
        Object file = m.get("tokenizer");
        if (!(file instanceof String name)) throw new IllegalArgumentException(KEY + ": \"tokenizer\" must name the vocabulary file beside the model, got " + file);
        checkFileName(name);
        if (!(m.get("maxlen") instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1) {
            throw new IllegalArgumentException(KEY + ": \"maxlen\" must be a whole number >= 1 (ids per text), got " + m.get("maxlen"));
        }
        Pattern strip = null;
        if (m.get("strip") != null) {
            try {
                strip = Pattern.compile(String.valueOf(m.get("strip")), Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(KEY + ": \"strip\" is not a valid regular expression: " + e.getDescription(), e);
            }
        }
        WordTokenizer tok = WordTokenizer.load(dir.resolve(name));
        return new TextPreprocessing(tok, name, n.intValue(), side(m, "padding"), side(m, "truncating"), strip);
    }

    private static Sequences.Side side(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) return Sequences.Side.PRE;
        return switch (String.valueOf(v).toLowerCase(Locale.ROOT)) {
            case "pre" -> Sequences.Side.PRE;
            case "post" -> Sequences.Side.POST;
            default -> throw new IllegalArgumentException(KEY + ": \"" + key + "\" must be \"pre\" or \"post\", got " + v);
        };
    }

    /** The ids of each text, before padding: strip, then the tokenizer's words and indices. */
    public List<int[]> sequences(List<String> texts) {
        List<int[]> out = new ArrayList<>(texts.size());
        for (String t : texts) out.add(tokenizer.encode(strip == null ? t : strip.matcher(t).replaceAll(" ")));
        return out;
    }

    /** int32 (texts, maxLen): what the model takes, as training made it. */
    public Tensor apply(List<String> texts) {
        return Sequences.pad(sequences(texts), maxLen, padding, truncating);
    }

    /** The ids of {@link #apply} as longs, row-major (texts * maxLen). */
    public long[] ids(List<String> texts) {
        long[] out = new long[Math.multiplyExact(texts.size(), maxLen)];
        List<int[]> seqs = sequences(texts);
        for (int i = 0; i < seqs.size(); i++) {
            int[] s = seqs.get(i);
            int len = Math.min(s.length, maxLen);
            int from = truncating == Sequences.Side.PRE ? s.length - len : 0;
            int to = padding == Sequences.Side.PRE ? maxLen - len : 0;
            for (int k = 0; k < len; k++) out[i * maxLen + to + k] = s[from + k];
        }
        return out;
    }

    /** For messages: "word tokenizer vocab.json (20000 ids), 200 ids per text, padded pre, cut pre". */
    public String describe() {
        return "word tokenizer " + tokenizerFile + " (" + tokenizer.vocabSize() + " ids), " + maxLen + " ids per text, padded "
                + padding.name().toLowerCase(Locale.ROOT) + ", cut " + truncating.name().toLowerCase(Locale.ROOT)
                + (strip != null ? ", '" + strip.pattern() + "' replaced by spaces" : "");
    }
}
