package dev.myelin.data;

import dev.myelin.core.DType;
import dev.myelin.core.Indexing;
import dev.myelin.core.Rng;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.ArrayBatches;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * The in-memory kind: a random-access {@link Source} of samples seen through an {@link Order} of
 * its indices, which shuffles, takes, skips and splits rearrange without touching the samples.
 */
final class IndexedDataset extends Dataset {

    /** Samples addressed by index 0..size-1. */
    sealed interface Source permits ArraySource, FunctionSource, MappedSource, CachedSource {
        int size();

        Sample get(int i);
    }

    /** Rows of arrays that share axis 0; batches of them are cut by row copies. */
    record ArraySource(List<Tensor> arrays, int size) implements Source {
        @Override
        public Sample get(int i) {
            Tensor[] ts = new Tensor[arrays.size()];
            for (int k = 0; k < ts.length; k++) ts[k] = arrays.get(k).select(0, i);
            return Sample.of(ts);
        }
    }

    record FunctionSource(int size, IntFunction<Sample> fn) implements Source {
        @Override
        public Sample get(int i) {
            Sample s = fn.apply(i);
            if (s == null) throw new IllegalArgumentException("Dataset.indexed: the function returned null for index " + i + "; it must return a Sample");
            return s;
        }
    }

    record MappedSource(Source parent, Function<Sample, Sample> fn) implements Source {
        @Override
        public int size() {
            return parent.size();
        }

        @Override
        public Sample get(int i) {
            Sample s = fn.apply(parent.get(i));
            if (s == null) throw new IllegalArgumentException("map: the function returned null for sample " + i + "; it must return a Sample");
            return s;
        }
    }

    /** Each sample computed once, then kept (thread-safe: a race computes a sample twice, harmlessly, and keeps one). */
    record CachedSource(Source parent, AtomicReferenceArray<Sample> memo) implements Source {
        CachedSource(Source parent) {
            this(parent, new AtomicReferenceArray<>(parent.size()));
        }

        @Override
        public int size() {
            return parent.size();
        }

        @Override
        public Sample get(int i) {
            Sample s = memo.get(i);
            if (s == null) {
                s = parent.get(i);
                if (!memo.compareAndSet(i, null, s)) s = memo.get(i);
            }
            return s;
        }
    }

    /** Which source indices an epoch visits, in which order; the length is the same every epoch. */
    sealed interface Order permits All, Fixed, Shuffled, Range {
        int length();

        /** The indices of one epoch; callers must not modify the array. */
        int[] indices(int epoch);
    }

    record All(int length) implements Order {
        @Override
        public int[] indices(int epoch) {
            int[] a = new int[length];
            for (int i = 0; i < length; i++) a[i] = i;
            return a;
        }
    }

    record Fixed(int[] idx) implements Order {
        @Override
        public int length() {
            return idx.length;
        }

        @Override
        public int[] indices(int epoch) {
            return idx;
        }
    }

    /** The parent's order of the epoch, permuted by a generator seeded from (seed, epoch). */
    record Shuffled(Order parent, long seed) implements Order {
        @Override
        public int length() {
            return parent.length();
        }

        @Override
        public int[] indices(int epoch) {
            int[] a = parent.indices(epoch).clone();
            new Rng(Iterators.epochSeed(seed, epoch)).shuffle(a);
            return a;
        }
    }

    record Range(Order parent, int from, int to) implements Order {
        @Override
        public int length() {
            return to - from;
        }

        @Override
        public int[] indices(int epoch) {
            return Arrays.copyOfRange(parent.indices(epoch), from, to);
        }
    }

    final Source source;
    final Order order;
    final int parallelism;

    IndexedDataset(Source source, Order order, int parallelism) {
        this.source = source;
        this.order = order;
        this.parallelism = parallelism;
    }

    static IndexedDataset ofArrays(List<Tensor> arrays) {
        if (arrays.isEmpty()) throw new IllegalArgumentException("Dataset.of: give at least one array, got none");
        int n = -1;
        for (int k = 0; k < arrays.size(); k++) {
            Tensor t = arrays.get(k);
            if (t == null) throw new IllegalArgumentException("Dataset.of: array " + k + " is null");
            if (t.rank() == 0) {
                throw new IllegalArgumentException("Dataset.of: array " + k + " is a scalar; each array needs axis 0 as the sample axis, e.g. shape (n, features)");
            }
            if (n < 0) n = t.size(0);
            else if (t.size(0) != n) {
                throw new IllegalArgumentException("Dataset.of: all arrays must have the same number of samples along axis 0: array 0 has "
                        + n + ", array " + k + " has " + t.size(0) + " (shape " + Shape.format(t.shape()) + ")");
            }
        }
        return new IndexedDataset(new ArraySource(List.copyOf(arrays), n), new All(n), 1);
    }

    static IndexedDataset ofFunction(int size, IntFunction<Sample> get) {
        return new IndexedDataset(new FunctionSource(size, get), new All(size), 1);
    }

    /** The arrays when batches can be cut from them by row copies (no map in between), else null. */
    List<Tensor> arrays() {
        return source instanceof ArraySource a ? a.arrays() : null;
    }

    @Override
    public int size() {
        return order.length();
    }

    @Override
    public boolean inMemory() {
        return true;
    }

    @Override
    public CloseableIterator<Sample> iterator(int epoch) {
        int[] idx = order.indices(epoch);
        Source src = source;
        Iterators.Stage<Integer> positions = new Iterators.Stage<>(null) {
            int k;

            @Override
            boolean advance() {
                if (k >= idx.length) return false;
                emit(idx[k++]);
                return true;
            }
        };
        if (parallelism > 1) return new ParallelMap<>(positions, src::get, parallelism);
        return Iterators.map(positions, src::get);
    }

    @Override
    public Dataset map(Function<Sample, Sample> fn, int parallelism) {
        if (fn == null) throw new IllegalArgumentException("map: the function is null");
        if (parallelism < 1) throw new IllegalArgumentException("map: parallelism must be at least 1, got " + parallelism);
        return new IndexedDataset(new MappedSource(source, fn), order, Math.max(this.parallelism, parallelism));
    }

    @Override
    public Dataset filter(Predicate<Sample> keep) {
        if (keep == null) throw new IllegalArgumentException("filter: the predicate is null");
        return new StreamDataset(epoch -> Iterators.filter(iterator(epoch), keep), () -> -1);
    }

    @Override
    public Dataset take(long n) {
        if (n < 0) throw new IllegalArgumentException("take: count must be >= 0, got " + n);
        return new IndexedDataset(source, new Range(order, 0, (int) Math.min(n, order.length())), parallelism);
    }

    @Override
    public Dataset skip(long n) {
        if (n < 0) throw new IllegalArgumentException("skip: count must be >= 0, got " + n);
        return new IndexedDataset(source, new Range(order, (int) Math.min(n, order.length()), order.length()), parallelism);
    }

    @Override
    public Dataset shuffle(long seed, int bufferSize) {
        if (bufferSize < 1) throw new IllegalArgumentException("shuffle: buffer size must be at least 1, got " + bufferSize);
        return new IndexedDataset(source, new Shuffled(order, seed), parallelism);
    }

    @Override
    public Dataset cache() {
        if (source instanceof ArraySource || source instanceof CachedSource) return this;
        return new IndexedDataset(new CachedSource(source), order, parallelism);
    }

    @Override
    public Dataset oneHot(int tensorIndex, int numClasses) {
        if (!(source instanceof ArraySource a)) return super.oneHot(tensorIndex, numClasses);
        if (tensorIndex < 0 || tensorIndex >= a.arrays().size()) {
            throw new IllegalArgumentException("oneHot: tensor index " + tensorIndex + " is out of range; samples have " + a.arrays().size()
                    + " tensors (0 to " + (a.arrays().size() - 1) + ")");
        }
        // Encode the whole label array once, so batches are still cut by row copies.
        List<Tensor> arrays = new ArrayList<>(a.arrays());
        arrays.set(tensorIndex, Indexing.oneHot(arrays.get(tensorIndex), numClasses));
        return new IndexedDataset(new ArraySource(List.copyOf(arrays), a.size()), order, parallelism);
    }

    @Override
    public Dataset materialize() {
        int[] idx = order.indices(0);
        if (source instanceof ArraySource a) {
            List<Tensor> rows = new ArrayList<>();
            for (Tensor t : a.arrays()) rows.add(ArrayBatches.take(t, idx, 0, idx.length));
            return ofArrays(rows);
        }
        return StreamDataset.stackAll(iterator(0), "materialize");
    }

    @Override
    public List<Dataset> split(long seed, double... fractions) {
        double[] f = checkFractions("split", fractions);
        int[] idx = order.indices(0);
        int n = idx.length;
        int[] perm = new Rng(seed).permutation(n);
        int[] b = boundaries(n, f);
        List<Dataset> parts = new ArrayList<>();
        for (int k = 0; k < f.length; k++) {
            if (b[k + 1] == b[k]) {
                throw new IllegalArgumentException("split: fraction " + f[k] + " of " + n + " samples leaves part " + k + " empty; fractions "
                        + Arrays.toString(f));
            }
            int[] part = new int[b[k + 1] - b[k]];
            for (int i = 0; i < part.length; i++) part[i] = idx[perm[b[k] + i]];
            parts.add(new IndexedDataset(source, new Fixed(part), parallelism));
        }
        return List.copyOf(parts);
    }

    @Override
    public List<Dataset> stratifiedSplit(Tensor labels, long seed, double... fractions) {
        double[] f = checkFractions("stratifiedSplit", fractions);
        int[] idx = order.indices(0);
        int n = idx.length;
        long[] ids = classIds(labels, n);
        // Positions of each class, classes in ascending order so the result does not depend on hashing.
        Map<Long, List<Integer>> byClass = new TreeMap<>();
        for (int i = 0; i < n; i++) byClass.computeIfAbsent(ids[i], c -> new ArrayList<>()).add(i);
        Rng rng = new Rng(seed);
        List<List<Integer>> parts = new ArrayList<>();
        for (int k = 0; k < f.length; k++) parts.add(new ArrayList<>());
        for (List<Integer> positions : byClass.values()) {
            int[] p = positions.stream().mapToInt(Integer::intValue).toArray();
            rng.shuffle(p);
            int[] b = boundaries(p.length, f);
            for (int k = 0; k < f.length; k++) for (int i = b[k]; i < b[k + 1]; i++) parts.get(k).add(p[i]);
        }
        List<Dataset> out = new ArrayList<>();
        for (int k = 0; k < f.length; k++) {
            int[] part = parts.get(k).stream().mapToInt(Integer::intValue).toArray();
            if (part.length == 0) {
                throw new IllegalArgumentException("stratifiedSplit: fraction " + f[k] + " of " + n + " samples leaves part " + k + " empty; fractions "
                        + Arrays.toString(f));
            }
            rng.shuffle(part); // interleave the classes
            for (int i = 0; i < part.length; i++) part[i] = idx[part[i]];
            out.add(new IndexedDataset(source, new Fixed(part), parallelism));
        }
        return List.copyOf(out);
    }

    /** One class id per sample from labels (n,), (n, 1) or one-hot (n, classes). */
    private static long[] classIds(Tensor labels, int n) {
        String op = "stratifiedSplit";
        if (labels == null) throw new IllegalArgumentException(op + ": labels are null; give one class id per sample, shape (" + n + ",)");
        int[] s = labels.shape();
        boolean oneHot = s.length == 2 && s[1] > 1;
        if (s.length == 0 || s.length > 2 || s[0] != n) {
            throw new IllegalArgumentException(op + ": labels must have one entry per sample, shape (" + n + ",), (" + n + ", 1) or one-hot ("
                    + n + ", classes); got " + Shape.format(s));
        }
        if (oneHot) return labels.toFloat().argmax(1, false).toLongArray();
        long[] ids = new long[n];
        if (labels.dtype() == DType.FLOAT32) {
            float[] v = labels.toFloatArray();
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(v[i]) || v[i] != Math.rint(v[i])) {
                    throw new IllegalArgumentException(op + ": label " + v[i] + " of sample " + i + " is not a whole number; labels must be class ids");
                }
                ids[i] = (long) v[i];
            }
            return ids;
        }
        return labels.toLongArray();
    }
}
