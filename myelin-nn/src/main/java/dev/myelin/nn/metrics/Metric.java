package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * A metric computed streaming over batches: {@link #update} with each batch, {@link #result} for
 * the value so far, {@link #reset} between epochs. Metrics see predictions and labels without
 * autograd.
 */
public abstract class Metric {

    /** Adds one batch; {@code sampleWeight} is (batch,) or null. */
    public abstract void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight);

    public abstract double result();

    public abstract void reset();

    /** The key in logs and History, e.g. "accuracy". */
    public abstract String name();

    /** A fresh metric with the same settings and no state. */
    public abstract Metric copy();
}
