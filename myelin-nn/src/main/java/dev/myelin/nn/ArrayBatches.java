package dev.myelin.nn;

import dev.myelin.core.DType;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/** Batches cut from in-memory tensors along axis 0, shuffled each epoch from a seeded generator. */
public final class ArrayBatches implements BatchSource {
    private final List<Tensor> x, y;
    private final Tensor sampleWeight;
    private final int batchSize;
    private final Rng shuffleRng;
    private final int n;

    /** {@code shuffleRng} null means keep the order. */
    public ArrayBatches(List<Tensor> x, List<Tensor> y, Tensor sampleWeight, int batchSize, Rng shuffleRng) {
        if (x.isEmpty()) throw new IllegalArgumentException("no input arrays");
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        this.n = x.get(0).size(0);
        List<Tensor> all = new ArrayList<>(x);
        all.addAll(y);
        if (sampleWeight != null) all.add(sampleWeight);
        for (Tensor t : all) {
            if (t.rank() == 0 || t.size(0) != n) {
                throw new IllegalArgumentException("all arrays must have the same number of samples along axis 0: got "
                        + n + " and " + (t.rank() == 0 ? "a scalar" : t.size(0) + " (shape " + dev.myelin.core.Shape.format(t.shape()) + ")"));
            }
        }
        this.x = List.copyOf(x);
        this.y = List.copyOf(y);
        this.sampleWeight = sampleWeight;
        this.batchSize = batchSize;
        this.shuffleRng = shuffleRng;
    }

    public int samples() {
        return n;
    }

    @Override
    public int batchesPerEpoch() {
        return (n + batchSize - 1) / batchSize;
    }

    @Override
    public Iterator<Batch> epoch(int epoch) {
        int[] order = shuffleRng == null ? null : shuffleRng.permutation(n);
        return new Iterator<>() {
            int start = 0;

            @Override
            public boolean hasNext() {
                return start < n;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                int end = Math.min(n, start + batchSize);
                List<Tensor> bx = new ArrayList<>(), by = new ArrayList<>();
                for (Tensor t : x) bx.add(take(t, order, start, end));
                for (Tensor t : y) by.add(take(t, order, start, end));
                Tensor sw = sampleWeight == null ? null : take(sampleWeight, order, start, end);
                start = end;
                return new Batch(bx, by, sw);
            }
        };
    }

    /** Rows order[from..to) of t (or rows from..to when order is null), as a new contiguous tensor. */
    public static Tensor take(Tensor t, int[] order, int from, int to) {
        if (order == null) return t.slice(0, from, to).contiguous();
        Tensor c = t.contiguous();
        int[] shape = c.shape();
        int row = c.numel() / Math.max(shape[0], 1);
        shape[0] = to - from;
        int off = c.offset();
        DType dt = c.dtype();
        switch (dt) {
            case FLOAT32 -> {
                float[] src = c.floatData(), dst = new float[(to - from) * row];
                for (int i = from; i < to; i++) System.arraycopy(src, off + order[i] * row, dst, (i - from) * row, row);
                return Tensor.wrap(dst, shape);
            }
            case INT32 -> {
                int[] src = c.intData(), dst = new int[(to - from) * row];
                for (int i = from; i < to; i++) System.arraycopy(src, off + order[i] * row, dst, (i - from) * row, row);
                return Tensor.ofInts(dst, shape);
            }
            case INT64 -> {
                long[] src = c.longData(), dst = new long[(to - from) * row];
                for (int i = from; i < to; i++) System.arraycopy(src, off + order[i] * row, dst, (i - from) * row, row);
                return Tensor.ofLongs(dst, shape);
            }
            default -> {
                byte[] src = c.byteData(), dst = new byte[(to - from) * row];
                for (int i = from; i < to; i++) System.arraycopy(src, off + order[i] * row, dst, (i - from) * row, row);
                return Tensor.ofBytes(dst, dt, shape);
            }
        }
    }
}
