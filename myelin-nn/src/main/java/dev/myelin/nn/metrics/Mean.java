package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/** The weighted mean of values fed to it: the running loss shown during training. */
public final class Mean extends Metric {
    private final String name;
    private double total, count;

    public Mean(String name) {
        this.name = name;
    }

    /** Adds {@code value} with weight {@code weight}. */
    public void add(double value, double weight) {
        total += value * weight;
        count += weight;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        float[] v = yPred.toFloatArray();
        float[] w = sampleWeight == null ? null : sampleWeight.toFloatArray();
        for (int i = 0; i < v.length; i++) add(v[i], w == null ? 1 : w[i]);
    }

    @Override
    public double result() {
        return count == 0 ? 0 : total / count;
    }

    @Override
    public void reset() {
        total = 0;
        count = 0;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Metric copy() {
        return new Mean(name);
    }
}
