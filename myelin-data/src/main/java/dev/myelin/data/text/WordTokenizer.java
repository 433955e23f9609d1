package dev.myelin.data.text;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Words to integer indices, after Keras' {@code Tokenizer}: index 0 is padding, index 1 the
 * out-of-vocabulary token, and the words fitted on follow from index 2 by falling count.
 *
 * <pre>{@code
 * WordTokenizer tok = WordTokenizer.builder().numWords(10_000).fit(trainTexts);
 * Tensor x = Sequences.pad(tok.textsToSequences(trainTexts), 200);   // int32 (n, 200)
 * tok.save(Path.of("vocab.json"));
 * }</pre>
 *
 * <p>Splitting ({@link #words}) follows Keras' {@code text_to_word_sequence}: lower-case (with
 * {@link Locale#ROOT}), replace every character of {@code filters} by the split character, split
 * there and drop empty pieces. The default filters are Keras' ({@code !"#$%&()*+,-./:;<=>?@[\]^_`{|}~},
 * tab, newline) plus carriage return; apostrophes stay inside words ("don't").
 *
 * <p>Order: by count, most frequent first; words with equal counts keep the order in which they
 * first appeared in the fitted texts (as Keras, whose sort is stable over insertion order), so
 * fitting the same texts always gives the same indices. {@code numWords} keeps every word in
 * {@link #wordIndex()} but encoding maps a word whose index is {@code >= numWords} to the OOV
 * index, so the sequences hold indices below {@link #vocabSize()}.
 */
public final class WordTokenizer {

    public static final String DEFAULT_FILTERS = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r";
    public static final String DEFAULT_OOV = "<OOV>";
    public static final int PAD = 0, OOV = 1;

    static final String FORMAT = "myelin.word-tokenizer";
    static final int VERSION = 1;

    private final int numWords;
    private final boolean lower;
    private final String filters;
    private final char split;
    private final String oovToken;
    private final List<String> words; // words.get(i) has index i + 2
    private final long[] counts;
    private final Map<String, Integer> index;
    private final boolean[] asciiFilter = new boolean[128];

    private WordTokenizer(int numWords, boolean lower, String filters, char split, String oovToken, List<String> words, long[] counts) {
        this.numWords = numWords;
        this.lower = lower;
        this.filters = filters;
        this.split = split;
        this.oovToken = oovToken;
        this.words = List.copyOf(words);
        this.counts = counts;
        this.index = new HashMap<>(words.size() * 2);
        for (int i = 0; i < words.size(); i++) {
            if (index.put(words.get(i), i + 2) != null) throw new IllegalArgumentException("word '" + words.get(i) + "' appears twice in the vocabulary");
        }
        for (char c : filters.toCharArray()) if (c < 128) asciiFilter[c] = true;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Tokenizer settings; {@link #fit} makes the tokenizer. */
    public static final class Builder {
        private int numWords;
        private boolean lower = true;
        private String filters = DEFAULT_FILTERS;
        private char split = ' ';
        private String oovToken = DEFAULT_OOV;

        private Builder() {}

        /** Encode only indices below {@code n} (the {@code n - 2} most frequent words); 0 (the default) keeps all. */
        public Builder numWords(int n) {
            if (n < 0 || n == 1 || n == 2) {
                throw new IllegalArgumentException("numWords must be 0 (no limit) or at least 3 (padding, OOV and one word), got " + n);
            }
            numWords = n;
            return this;
        }

        public Builder lower(boolean lower) {
            this.lower = lower;
            return this;
        }

        /** Characters treated as separators, replacing {@link #DEFAULT_FILTERS}. */
        public Builder filters(String filters) {
            this.filters = filters;
            return this;
        }

        public Builder split(char split) {
            this.split = split;
            return this;
        }

        /** The string that stands for index 1 in {@link #wordIndex()} and {@link #decode}. */
        public Builder oovToken(String token) {
            this.oovToken = token;
            return this;
        }

        /** Counts the words of {@code texts} and orders them (see the class comment). */
        public WordTokenizer fit(Iterable<String> texts) {
            WordTokenizer splitter = new WordTokenizer(numWords, lower, filters, split, oovToken, List.of(), new long[0]);
            Map<String, long[]> counts = new LinkedHashMap<>(); // insertion order = first occurrence
            for (String t : texts) for (String w : splitter.words(t)) counts.computeIfAbsent(w, k -> new long[1])[0]++;
            counts.remove(oovToken); // index 1 is the OOV token's own
            List<Map.Entry<String, long[]>> sorted = new ArrayList<>(counts.entrySet());
            sorted.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])); // stable: ties keep first-occurrence order
            List<String> words = new ArrayList<>(sorted.size());
            long[] c = new long[sorted.size()];
            for (int i = 0; i < sorted.size(); i++) {
                words.add(sorted.get(i).getKey());
                c[i] = sorted.get(i).getValue()[0];
            }
            return new WordTokenizer(numWords, lower, filters, split, oovToken, words, c);
        }
    }

    /** The words of a text: lower-cased if set, filters replaced by the split character, split, empties dropped. */
    public List<String> words(String text) {
        String s = lower ? text.toLowerCase(Locale.ROOT) : text;
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0, n = s.length(); i <= n; i++) {
            boolean sep = i == n || isSeparator(s.charAt(i));
            if (sep) {
                if (start >= 0) out.add(s.substring(start, i));
                start = -1;
            } else if (start < 0) {
                start = i;
            }
        }
        return out;
    }

    private boolean isSeparator(char c) {
        if (c == split) return true;
        return c < 128 ? asciiFilter[c] : filters.indexOf(c) >= 0;
    }

    /** The word's index: its rank + 2 if known and below {@code numWords}, else {@link #OOV}. */
    public int indexOf(String word) {
        Integer i = index.get(word);
        return i == null || (numWords > 0 && i >= numWords) ? OOV : i;
    }

    /** Indices of the words of {@code text}. */
    public int[] encode(String text) {
        List<String> w = words(text);
        int[] out = new int[w.size()];
        for (int i = 0; i < out.length; i++) out[i] = indexOf(w.get(i));
        return out;
    }

    /** {@link #encode} for each text, as Keras' {@code texts_to_sequences}. */
    public List<int[]> textsToSequences(List<String> texts) {
        List<int[]> out = new ArrayList<>(texts.size());
        for (String t : texts) out.add(encode(t));
        return out;
    }

    /** The word at an index: the OOV token at 1, "" at 0 (padding). */
    public String word(int i) {
        if (i == PAD) return "";
        if (i == OOV) return oovToken;
        if (i < 2 || i - 2 >= words.size()) throw new IllegalArgumentException("no word at index " + i + "; indices run from 0 to " + (words.size() + 1));
        return words.get(i - 2);
    }

    /** The words of a sequence joined by spaces, padding skipped (Keras' {@code sequences_to_texts}). */
    public String decode(int[] sequence) {
        StringBuilder sb = new StringBuilder();
        for (int i : sequence) {
            if (i == PAD) continue;
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(word(i));
        }
        return sb.toString();
    }

    /** Every fitted word (numWords does not cut this) with its index, the OOV token at 1; ordered by index. */
    public Map<String, Integer> wordIndex() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put(oovToken, OOV);
        for (int i = 0; i < words.size(); i++) m.put(words.get(i), i + 2);
        return Collections.unmodifiableMap(m);
    }

    /** How often the word occurred in the fitted texts (0 if never). */
    public long count(String word) {
        Integer i = index.get(word);
        return i == null ? 0 : counts[i - 2];
    }

    /** The number of distinct fitted words (without padding and OOV). */
    public int wordCount() {
        return words.size();
    }

    /** One more than the largest index {@link #encode} can give: the input size of an Embedding layer. */
    public int vocabSize() {
        int all = words.size() + 2;
        return numWords > 0 ? Math.min(numWords, all) : all;
    }

    public int numWords() {
        return numWords;
    }

    /** Writes settings, words and counts as JSON (temporary file, then moved into place). */
    public void save(Path path) throws IOException {
        Map<String, Object> m = VocabFile.header(FORMAT, VERSION);
        m.put("numWords", numWords);
        m.put("lower", lower);
        m.put("filters", filters);
        m.put("split", String.valueOf(split));
        m.put("oovToken", oovToken);
        m.put("words", words);
        List<Long> c = new ArrayList<>(counts.length);
        for (long x : counts) c.add(x);
        m.put("counts", c);
        VocabFile.write(path, m);
    }

    /** Reads a file written by {@link #save}. */
    public static WordTokenizer load(Path path) throws IOException {
        Map<String, Object> m = VocabFile.read(path, FORMAT, VERSION);
        long nw = VocabFile.integer(path, m, "numWords");
        String split = VocabFile.string(path, m, "split");
        if (split.length() != 1) throw new IOException(path + ": \"split\" is " + VocabFile.quote(split) + ", expected one character");
        List<?> w = VocabFile.list(path, m, "words"), c = VocabFile.list(path, m, "counts");
        if (w.size() != c.size()) {
            throw new IOException(path + ": " + w.size() + " words but " + c.size() + " counts; expected one count per word");
        }
        List<String> words = new ArrayList<>(w.size());
        long[] counts = new long[c.size()];
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < w.size(); i++) {
            if (!(w.get(i) instanceof String s)) throw new IOException(path + ": words[" + i + "] is " + VocabFile.quote(w.get(i)) + ", expected a string");
            Integer prev = seen.put(s, i);
            if (prev != null) throw new IOException(path + ": words[" + i + "] \"" + s + "\" repeats words[" + prev + "]");
            if (!(c.get(i) instanceof Integer || c.get(i) instanceof Long)) {
                throw new IOException(path + ": counts[" + i + "] is " + VocabFile.quote(c.get(i)) + ", expected a whole number");
            }
            words.add(s);
            counts[i] = ((Number) c.get(i)).longValue();
        }
        if (nw < 0 || nw == 1 || nw == 2 || nw > Integer.MAX_VALUE) throw new IOException(path + ": \"numWords\" is " + nw + ", expected 0 or at least 3");
        return new WordTokenizer((int) nw, VocabFile.bool(path, m, "lower"), VocabFile.string(path, m, "filters"), split.charAt(0),
                VocabFile.string(path, m, "oovToken"), words, counts);
    }
}
