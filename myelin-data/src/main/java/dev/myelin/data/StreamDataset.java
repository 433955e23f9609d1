package dev.myelin.data;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/** The streaming kind: each pass opens a fresh iterator; nothing is held beyond a shuffle buffer or a cache. */
final class StreamDataset extends Dataset {
    private final IntFunction<CloseableIterator<Sample>> open;
    private final IntSupplier size;

    StreamDataset(IntFunction<CloseableIterator<Sample>> open, IntSupplier size) {
        this.open = open;
        this.size = size;
    }

    @Override
    public int size() {
        return size.getAsInt();
    }

    @Override
    public boolean inMemory() {
        return false;
    }

    @Override
    public CloseableIterator<Sample> iterator(int epoch) {
        return open.apply(epoch);
    }

    @Override
    public Dataset map(Function<Sample, Sample> fn, int parallelism) {
        if (fn == null) throw new IllegalArgumentException("map: the function is null");
        if (parallelism < 1) throw new IllegalArgumentException("map: parallelism must be at least 1, got " + parallelism);
        Function<Sample, Sample> checked = s -> {
            Sample r = fn.apply(s);
            if (r == null) throw new IllegalArgumentException("map: the function returned null for " + s + "; it must return a Sample");
            return r;
        };
        if (parallelism == 1) return new StreamDataset(e -> Iterators.map(open.apply(e), checked), size);
        return new StreamDataset(e -> new ParallelMap<>(open.apply(e), checked, parallelism), size);
    }

    @Override
    public Dataset filter(Predicate<Sample> keep) {
        if (keep == null) throw new IllegalArgumentException("filter: the predicate is null");
        return new StreamDataset(e -> Iterators.filter(open.apply(e), keep), () -> -1);
    }

    @Override
    public Dataset take(long n) {
        if (n < 0) throw new IllegalArgumentException("take: count must be >= 0, got " + n);
        return new StreamDataset(e -> Iterators.take(open.apply(e), n), () -> {
            int s = size.getAsInt();
            return s < 0 ? -1 : (int) Math.min(s, n);
        });
    }

    @Override
    public Dataset skip(long n) {
        if (n < 0) throw new IllegalArgumentException("skip: count must be >= 0, got " + n);
        return new StreamDataset(e -> Iterators.skip(open.apply(e), n), () -> {
            int s = size.getAsInt();
            return s < 0 ? -1 : (int) Math.max(0, s - n);
        });
    }

    @Override
    public Dataset shuffle(long seed, int bufferSize) {
        if (bufferSize < 1) throw new IllegalArgumentException("shuffle: buffer size must be at least 1, got " + bufferSize);
        return new StreamDataset(e -> Iterators.shuffle(open.apply(e), bufferSize, new Rng(Iterators.epochSeed(seed, e))), size);
    }

    @Override
    public Dataset cache() {
        // The first complete pass is kept; until then every pass reads the stream (and tries to record).
        final class Store {
            volatile List<Sample> samples;
        }
        Store store = new Store();
        return new StreamDataset(e -> {
            List<Sample> kept = store.samples;
            if (kept != null) return Iterators.of(kept);
            return Iterators.recording(open.apply(e), all -> {
                if (store.samples == null) store.samples = List.copyOf(all);
            });
        }, () -> {
            List<Sample> kept = store.samples;
            return kept != null ? kept.size() : size.getAsInt();
        });
    }

    @Override
    public Dataset materialize() {
        return stackAll(iterator(0), "materialize");
    }

    /** All samples of an iteration stacked into arrays along a new axis 0, as an in-memory dataset. */
    static Dataset stackAll(CloseableIterator<Sample> it, String op) {
        List<Sample> all = new ArrayList<>();
        try (it) {
            while (it.hasNext()) all.add(it.next());
        }
        if (all.isEmpty()) throw new IllegalArgumentException(op + ": the dataset has no samples, so there is nothing to make arrays of");
        return Dataset.of(Batches.stack(all, op + ": sample"));
    }

    @Override
    public List<Dataset> split(long seed, double... fractions) {
        double[] f = checkFractions("split", fractions);
        double[] cum = new double[f.length];
        double c = 0;
        for (int k = 0; k < f.length; k++) cum[k] = c += f[k];
        if (Math.abs(c - 1) < 1e-9) cum[f.length - 1] = Double.POSITIVE_INFINITY;
        List<Dataset> parts = new ArrayList<>();
        for (int k = 0; k < f.length; k++) {
            int part = k;
            // Always the epoch-0 order of the parent, so a sample stays in its part every epoch.
            parts.add(new StreamDataset(e -> positionFilter(open.apply(0), seed, cum, part), () -> -1));
        }
        return List.copyOf(parts);
    }

    /** The elements whose position hashes (with the seed) to a uniform number in [cum[part-1], cum[part]). */
    private static CloseableIterator<Sample> positionFilter(Iterator<Sample> up, long seed, double[] cum, int part) {
        double lo = part == 0 ? 0 : cum[part - 1], hi = cum[part];
        return new Iterators.Stage<>(up) {
            long position;

            @Override
            boolean advance() {
                while (up.hasNext()) {
                    Sample s = up.next();
                    // u = uniform [0, 1) from SplitMix64 of (seed, position): independent of the other samples
                    double u = (Iterators.epochSeed(Iterators.epochSeed(seed, 0) ^ position++, 0) >>> 11) * 0x1.0p-53;
                    if (u >= lo && u < hi) {
                        emit(s);
                        return true;
                    }
                }
                return false;
            }
        };
    }

    @Override
    public List<Dataset> stratifiedSplit(Tensor labels, long seed, double... fractions) {
        throw new IllegalArgumentException("stratifiedSplit: needs an in-memory dataset (Dataset.of or Dataset.indexed), got a stream of unknown size;"
                + " call materialize() first if it fits in memory");
    }
}
