package dev.myelin.data;

import dev.myelin.core.Indexing;
import dev.myelin.core.Tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A collection of {@link Sample}s and the lazy operations on them, in the spirit of
 * {@code tf.data.Dataset} and PyTorch's map-style and iterable datasets. There are two kinds:
 *
 * <ul>
 *   <li><b>in memory</b> ({@link #of(Tensor...)} over arrays whose axis 0 is the sample axis, or
 *   {@link #indexed} over any function of an index): the size is known, shuffles are full
 *   permutations, splits are exact, and batches from arrays are assembled by row copies;</li>
 *   <li><b>streams</b> ({@link #fromIterator}, {@link #fromLines}): samples are read one by one on
 *   each pass and never all held at once (unless {@link #cache()} is asked for); shuffles use a
 *   bounded buffer, like tf.data's {@code shuffle(bufferSize)}.</li>
 * </ul>
 *
 * Operations return new datasets and read nothing until iterated. A pass is one epoch:
 * {@link #iterator(int)} takes the epoch, from which every shuffle derives its order, so epoch
 * {@code e} of a pipeline is the same whether or not epochs 0 to e-1 ran before (resuming training
 * reproduces an uninterrupted run).
 *
 * <pre>{@code
 * List<Dataset> parts = Dataset.of(x, y).split(42, 0.8, 0.1, 0.1);
 * Batches train = parts.get(0).shuffle(42).batch(32);
 * model.fit(train.prefetch(2), parts.get(1).batch(256), new FitOptions().epochs(10));
 * }</pre>
 */
public abstract sealed class Dataset permits IndexedDataset, StreamDataset {

    /** The shuffle buffer of {@link #shuffle(long)} on a stream. */
    public static final int DEFAULT_SHUFFLE_BUFFER = 10_000;

    Dataset() {}

    // ------------------------------------------------------------------ sources

    /**
     * An in-memory dataset over arrays that share axis 0, the sample axis: sample i is
     * {@code [arrays[0][i], arrays[1][i], ...]} (views, not copies). {@code Dataset.of(x, y)} with x
     * (n, 28, 28, 1) and y (n,) gives samples of an image (28, 28, 1) and a scalar label.
     */
    public static Dataset of(Tensor... arrays) {
        if (arrays == null || arrays.length == 0) throw new IllegalArgumentException("Dataset.of: give at least one array, got none");
        return of(Arrays.asList(arrays));
    }

    /** {@link #of(Tensor...)} over a list of arrays. */
    public static Dataset of(List<Tensor> arrays) {
        return IndexedDataset.ofArrays(arrays);
    }

    /**
     * An in-memory (map-style) dataset of {@code size} samples, sample i being {@code get.apply(i)},
     * computed when read: {@code Dataset.indexed(files.size(), i -> load(files.get(i)))}.
     */
    public static Dataset indexed(int size, IntFunction<Sample> get) {
        if (size < 0) throw new IllegalArgumentException("Dataset.indexed: size must be >= 0, got " + size);
        Objects.requireNonNull(get, "Dataset.indexed: get");
        return IndexedDataset.ofFunction(size, get);
    }

    /**
     * A stream: each pass calls {@code open} for a fresh iterator, so the data can be larger than
     * memory. An iterator that is {@link AutoCloseable} is closed when the pass ends or is closed.
     * {@code Dataset.fromIterator(() -> reader.samples())}
     */
    public static Dataset fromIterator(Supplier<? extends Iterator<Sample>> open) {
        Objects.requireNonNull(open, "Dataset.fromIterator: open");
        return new StreamDataset(epoch -> {
            Iterator<Sample> it = open.get();
            if (it == null) throw new IllegalArgumentException("Dataset.fromIterator: the supplier returned null; it must return an iterator of samples");
            return CloseableIterator.wrap(it);
        }, () -> -1);
    }

    /** {@link #fromLines(Path, int, Function)} with no header lines. */
    public static Dataset fromLines(Path file, Function<String, Sample> parse) {
        return fromLines(file, 0, parse);
    }

    /**
     * A stream over the lines of a UTF-8 text file after {@code headerLines} unparsed ones, each
     * turned into a sample by {@code parse}; the file is read afresh on each pass and closed at its
     * end (or when the pass is closed). {@code Dataset.fromLines(csv, 1, line -> parseRow(line))}
     */
    public static Dataset fromLines(Path file, int headerLines, Function<String, Sample> parse) {
        Objects.requireNonNull(file, "Dataset.fromLines: file");
        Objects.requireNonNull(parse, "Dataset.fromLines: parse");
        if (headerLines < 0) throw new IllegalArgumentException("Dataset.fromLines: headerLines must be >= 0, got " + headerLines);
        return new StreamDataset(epoch -> lines(file, headerLines, parse), () -> -1);
    }

    private static CloseableIterator<Sample> lines(Path file, int headerLines, Function<String, Sample> parse) {
        BufferedReader reader;
        try {
            reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open for reading: " + e.getMessage(), e);
        }
        return new Iterators.Stage<>(reader) {
            long lineNumber;

            @Override
            boolean advance() {
                String line;
                do {
                    try {
                        line = reader.readLine();
                    } catch (IOException e) {
                        throw new UncheckedIOException(file + ": read failed after line " + lineNumber + ": " + e.getMessage(), e);
                    }
                    if (line == null) return false;
                    lineNumber++;
                } while (lineNumber <= headerLines);
                Sample s;
                try {
                    s = parse.apply(line);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file + ": line " + lineNumber + " could not be parsed (\"" + abbreviate(line) + "\"): "
                            + e.getMessage(), e);
                }
                if (s == null) throw new IllegalArgumentException(file + ": line " + lineNumber + ": the parser returned null; it must return a Sample");
                emit(s);
                return true;
            }
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    // ------------------------------------------------------------------ reading

    /** Number of samples, or -1 when it is not known without reading (a stream). */
    public abstract int size();

    /** True for the in-memory kind (known size, random access, exact splits). */
    public abstract boolean inMemory();

    /** The samples of epoch {@code epoch} (0-based), which decides the order of every shuffle in the pipeline. */
    public abstract CloseableIterator<Sample> iterator(int epoch);

    /** The samples of epoch 0. */
    public CloseableIterator<Sample> iterator() {
        return iterator(0);
    }

    // ------------------------------------------------------------------ transformations

    /** Applies {@code fn} to each sample when read. */
    public Dataset map(Function<Sample, Sample> fn) {
        return map(fn, 1);
    }

    /**
     * Applies {@code fn} to each sample on a pool of {@code parallelism} daemon threads, keeping the
     * order; 1 runs it on the reading thread. {@code fn} must be safe to call from several threads.
     */
    public abstract Dataset map(Function<Sample, Sample> fn, int parallelism);

    /** Keeps the samples for which {@code keep} is true; the result is a stream (its size is unknown until read). */
    public abstract Dataset filter(Predicate<Sample> keep);

    /** The first n samples (all if there are fewer). */
    public abstract Dataset take(long n);

    /** All but the first n samples. */
    public abstract Dataset skip(long n);

    /**
     * Shuffles with a new order each epoch, derived from {@code seed} and the epoch: the same seed
     * gives the same orders. In memory this is a full permutation; a stream uses a buffer of
     * {@link #DEFAULT_SHUFFLE_BUFFER} samples.
     */
    public Dataset shuffle(long seed) {
        return shuffle(seed, DEFAULT_SHUFFLE_BUFFER);
    }

    /**
     * Shuffles a stream through a buffer of {@code bufferSize} samples (memory stays bounded; a
     * buffer as large as the stream gives a uniform shuffle). In memory the whole dataset is
     * permuted whatever the buffer size, the uniform shuffle that the buffer approximates.
     */
    public abstract Dataset shuffle(long seed, int bufferSize);

    /**
     * Keeps samples in memory once computed, so later passes skip the reading and mapping before
     * this point: a stream records its first complete pass (a pass closed early records nothing);
     * an in-memory dataset memoises each sample. Operations after {@code cache()} (a shuffle, a
     * random augmentation) still run on every pass.
     */
    public abstract Dataset cache();

    /**
     * Replaces tensor {@code tensorIndex} of each sample, a class id, by its one-hot encoding
     * (float32, numClasses wide) with {@link Indexing#oneHot}: {@code ds.oneHot(1, 10)} for
     * {@code [x, y]} samples with labels 0-9.
     */
    public Dataset oneHot(int tensorIndex, int numClasses) {
        if (tensorIndex < 0) throw new IllegalArgumentException("oneHot: tensor index must be >= 0, got " + tensorIndex);
        if (numClasses <= 0) throw new IllegalArgumentException("oneHot: numClasses must be positive, got " + numClasses);
        return map(s -> s.with(tensorIndex, Indexing.oneHot(s.get(tensorIndex), numClasses)));
    }

    /**
     * Copies every sample of epoch 0 into arrays (axis 0 the sample axis) and returns the in-memory
     * dataset over them; for a stream that fits in memory, before {@link #stratifiedSplit}.
     */
    public abstract Dataset materialize();

    // ------------------------------------------------------------------ splits

    /**
     * Cuts the samples into disjoint parts of the given fractions (each in (0, 1], summing to at
     * most 1; a sum below 1 leaves the rest out), at random but deterministically for a seed:
     * {@code split(42, 0.8, 0.1, 0.1)} gives train, validation and test. In memory the part sizes
     * are exact (rounded) and membership is fixed; shuffle a part for a new order each epoch. A
     * stream assigns each sample by a seeded hash of its position in the stream's epoch-0 order, so
     * part sizes are close to the fractions but not exact, and every part reads the whole stream.
     */
    public abstract List<Dataset> split(long seed, double... fractions);

    /**
     * Like {@link #split} but keeping the class proportions in every part: each class is cut in the
     * given fractions on its own, so a part holds within one sample of its share of every class.
     * {@code labels} has one class id per sample, in the dataset's epoch-0 order: shape (n,) or
     * (n, 1) of integers (or whole floats), or one-hot (n, classes). In-memory datasets only.
     */
    public abstract List<Dataset> stratifiedSplit(Tensor labels, long seed, double... fractions);

    /** The fractions, checked: each in (0, 1], summing to at most 1. */
    static double[] checkFractions(String op, double[] fractions) {
        if (fractions == null || fractions.length == 0) {
            throw new IllegalArgumentException(op + ": give at least one fraction, e.g. " + op + "(seed, 0.8, 0.2)");
        }
        double sum = 0;
        for (int i = 0; i < fractions.length; i++) {
            double f = fractions[i];
            if (!(f > 0 && f <= 1)) {
                throw new IllegalArgumentException(op + ": fraction " + i + " is " + f + "; each fraction must be in (0, 1], got " + Arrays.toString(fractions));
            }
            sum += f;
        }
        if (sum > 1 + 1e-9) throw new IllegalArgumentException(op + ": fractions " + Arrays.toString(fractions) + " sum to " + sum + "; they must sum to at most 1");
        return fractions.clone();
    }

    /**
     * Part k of n items is [b[k], b[k+1]), with b[k] = round(n * (f[0] + ... + f[k-1])): each part is
     * within one item of n * f[k]. A sum of 1 (up to rounding) covers all n items.
     */
    static int[] boundaries(int n, double[] fractions) {
        int[] b = new int[fractions.length + 1];
        double cum = 0;
        for (int k = 0; k < fractions.length; k++) {
            cum += fractions[k];
            b[k + 1] = (int) Math.min(n, Math.round(n * cum));
        }
        if (Math.abs(cum - 1) < 1e-9) b[fractions.length] = n;
        return b;
    }

    // ------------------------------------------------------------------ batching

    /** Batches of {@code batchSize} samples, the last one possibly smaller; see {@link #batch(int, boolean, int)}. */
    public Batches batch(int batchSize) {
        return batch(batchSize, false, 1);
    }

    /** Batches of {@code batchSize} samples; {@code dropRemainder} drops a smaller last batch. */
    public Batches batch(int batchSize, boolean dropRemainder) {
        return batch(batchSize, dropRemainder, 1);
    }

    /**
     * The {@link dev.myelin.nn.BatchSource} that {@code Model.fit} reads: the first
     * {@code numInputs} tensors of each sample, stacked along a new axis 0, are the batch's inputs
     * and the rest its targets. All samples of a batch must have equal shapes and dtypes.
     */
    public Batches batch(int batchSize, boolean dropRemainder, int numInputs) {
        return new Batches(this, batchSize, dropRemainder, numInputs);
    }
}
