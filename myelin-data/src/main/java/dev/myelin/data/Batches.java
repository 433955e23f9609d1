package dev.myelin.data;

import dev.myelin.core.Shape;
import dev.myelin.core.ShapeOps;
import dev.myelin.core.Tensor;
import dev.myelin.nn.ArrayBatches;
import dev.myelin.nn.Batch;
import dev.myelin.nn.BatchSource;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Dataset} cut into batches: the {@link BatchSource} that {@code Model.fit} and
 * {@code Model.evaluate} read. Epoch e's batches follow the dataset's epoch-e order. Batches of an
 * in-memory dataset over arrays (no map in between) are cut by row copies; others stack their
 * samples. Make one with {@link Dataset#batch(int, boolean, int)}.
 *
 * <pre>{@code model.fit(Dataset.of(x, y).shuffle(42).batch(32).prefetch(2), null, new FitOptions().epochs(5));}</pre>
 */
public final class Batches implements BatchSource {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean dropRemainder;
    private final int numInputs;

    Batches(Dataset dataset, int batchSize, boolean dropRemainder, int numInputs) {
        if (batchSize < 1) throw new IllegalArgumentException("batch: batch size must be at least 1, got " + batchSize);
        if (numInputs < 1) throw new IllegalArgumentException("batch: numInputs must be at least 1 (the inputs come first in a sample), got " + numInputs);
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.dropRemainder = dropRemainder;
        this.numInputs = numInputs;
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    public boolean dropRemainder() {
        return dropRemainder;
    }

    /** How many leading tensors of a sample are inputs; the rest are targets. */
    public int numInputs() {
        return numInputs;
    }

    /** Batches per epoch, or -1 for a stream of unknown size. */
    @Override
    public int batchesPerEpoch() {
        int n = dataset.size();
        if (n < 0) return -1;
        return dropRemainder ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Assembles batches on a background thread, up to {@code bufferSize} ahead of the consumer; see {@link Prefetch}. */
    public Prefetch prefetch(int bufferSize) {
        return Prefetch.of(this, bufferSize);
    }

    @Override
    public CloseableIterator<Batch> epoch(int epoch) {
        if (dataset instanceof IndexedDataset d && d.arrays() != null) return rowCopies(d.arrays(), d.order.indices(epoch), epoch);
        CloseableIterator<Sample> samples = dataset.iterator(epoch);
        return new Iterators.Stage<>(samples) {
            int index;

            @Override
            boolean advance() {
                List<Sample> group = new ArrayList<>(batchSize);
                while (group.size() < batchSize && samples.hasNext()) group.add(samples.next());
                if (group.isEmpty() || (dropRemainder && group.size() < batchSize)) return false;
                emit(toBatch(stack(group, "batch " + index++ + " of epoch " + epoch + ": sample")));
                return true;
            }
        };
    }

    /** The fast path: each batch's rows copied straight out of the arrays. */
    private CloseableIterator<Batch> rowCopies(List<Tensor> arrays, int[] order, int epoch) {
        checkInputs(arrays.size());
        int n = order.length, end = dropRemainder ? n - n % batchSize : n;
        return new Iterators.Stage<>(null) {
            int start;

            @Override
            boolean advance() {
                if (start >= end) return false;
                int stop = Math.min(end, start + batchSize);
                List<Tensor> columns = new ArrayList<>(arrays.size());
                for (Tensor t : arrays) columns.add(ArrayBatches.take(t, order, start, stop));
                start = stop;
                emit(toBatch(columns));
                return true;
            }
        };
    }

    private Batch toBatch(List<Tensor> columns) {
        checkInputs(columns.size());
        return new Batch(columns.subList(0, numInputs), columns.subList(numInputs, columns.size()), null);
    }

    private void checkInputs(int tensors) {
        if (numInputs > tensors) {
            throw new IllegalArgumentException("batch: numInputs is " + numInputs + " but samples have only " + tensors + " tensor(s)");
        }
    }

    /**
     * Stacks the samples' tensors along a new axis 0: column k is (count, shape of tensor k). All
     * samples must have as many tensors, and equal shapes and dtypes; {@code where} names them in errors.
     */
    static List<Tensor> stack(List<Sample> samples, String where) {
        Sample first = samples.getFirst();
        int m = first.size();
        List<Tensor> columns = new ArrayList<>(m);
        for (int k = 0; k < m; k++) {
            Tensor t0 = first.get(k);
            Tensor[] col = new Tensor[samples.size()];
            for (int i = 0; i < col.length; i++) {
                Sample s = samples.get(i);
                if (s.size() != m) {
                    throw new IllegalArgumentException(where + " " + i + " has " + s.size() + " tensors but sample 0 has " + m
                            + "; every sample must have the same structure");
                }
                Tensor t = s.get(k);
                if (t.dtype() != t0.dtype() || !Shape.equal(t.shape(), t0.shape())) {
                    throw new IllegalArgumentException(where + " " + i + " has tensor " + k + " of " + t.dtype() + " " + Shape.format(t.shape())
                            + " but sample 0 has " + t0.dtype() + " " + Shape.format(t0.shape())
                            + "; samples in one batch must have equal shapes and dtypes (pad variable-length sequences first, e.g. with dev.myelin.data.text.Sequences.pad)");
                }
                col[i] = t;
            }
            columns.add(ShapeOps.stack(0, col));
        }
        return columns;
    }
}
