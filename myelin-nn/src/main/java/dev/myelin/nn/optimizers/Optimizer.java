package dev.myelin.nn.optimizers;

import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * Updates weights from their gradients, as Keras's optimizers do: {@link #step} clips the
 * gradients (by value, by each weight's norm, or by the global norm of all), asks the learning-rate
 * schedule for this step's rate, then calls {@link #update} for each weight with a gradient.
 * Per-weight state (moments) lives in {@link #slot} tensors, which checkpoints save.
 */
public abstract class Optimizer {
    protected float learningRate;
    private IntToDoubleFunction schedule;
    private float clipValue = Float.NaN, clipNorm = Float.NaN, globalClipNorm = Float.NaN;
    private long iterations;
    private final Map<Parameter, Map<String, Tensor>> slots = new IdentityHashMap<>();

    protected Optimizer(float learningRate) {
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        this.learningRate = learningRate;
    }

    /** Keras's name: "sgd", "adam", ... */
    public abstract String name();

    /** Applies one update to {@code param} given its (clipped) gradient, at learning rate {@code lr}; {@code t} counts from 1. */
    protected abstract void update(Parameter param, Tensor grad, float lr, long t);

    /** Updates every weight that has a gradient. Runs without recording autograd. */
    public void step(List<Parameter> params) {
        iterations++;
        float lr = currentLearningRate();
        try (var ignored = GradMode.noGrad()) {
            float globalScale = 1f;
            if (!Float.isNaN(globalClipNorm)) {
                double sq = 0;
                for (Parameter p : params) if (p.grad() != null) sq += sumSquares(p.grad());
                double norm = Math.sqrt(sq);
                if (norm > globalClipNorm) globalScale = (float) (globalClipNorm / norm);
            }
            for (Parameter p : params) {
                Tensor g = p.grad();
                if (g == null) continue;
                if (globalScale != 1f) g = g.mul(globalScale);
                if (!Float.isNaN(clipNorm)) {
                    double norm = Math.sqrt(sumSquares(g));
                    if (norm > clipNorm) g = g.mul((float) (clipNorm / norm));
                }
                if (!Float.isNaN(clipValue)) g = g.clamp(-clipValue, clipValue);
                update(p, g, lr, iterations);
            }
        }
    }

    private static double sumSquares(Tensor g) {
        double s = 0;
        for (float v : g.toFloatArray()) s += (double) v * v;
        return s;
    }

    /** The state tensor {@code key} of a weight, created as zeros on first use. */
    protected Tensor slot(Parameter p, String key) {
        return slots.computeIfAbsent(p, k -> new HashMap<>()).computeIfAbsent(key, k -> Tensor.zeros(p.shape()));
    }

    /** All state tensors, by weight and slot name, for checkpoints. */
    public Map<Parameter, Map<String, Tensor>> slots() {
        return slots;
    }

    /** Number of steps taken so far. */
    public long iterations() {
        return iterations;
    }

    /** Restores the step count (resuming from a checkpoint). */
    public void setIterations(long value) {
        this.iterations = value;
    }

    /** The base learning rate. */
    public float learningRate() {
        return learningRate;
    }

    /** Changes the base learning rate (ReduceLROnPlateau, LearningRateScheduler). */
    public void setLearningRate(float lr) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + lr);
        this.learningRate = lr;
    }

    /** The rate for the next step: the schedule's value at this step, or the base rate. */
    public float currentLearningRate() {
        return schedule == null ? learningRate : (float) schedule.applyAsDouble((int) Math.min(iterations, Integer.MAX_VALUE));
    }

    /** A learning-rate schedule: step number (from 1) to rate. Returns this. */
    public Optimizer schedule(IntToDoubleFunction lrAtStep) {
        this.schedule = lrAtStep;
        return this;
    }

    /** Clips each gradient element to [-value, value]. Returns this. */
    public Optimizer clipValue(float value) {
        this.clipValue = value;
        return this;
    }

    /** Rescales each weight's gradient to at most this L2 norm. Returns this. */
    public Optimizer clipNorm(float norm) {
        this.clipNorm = norm;
        return this;
    }

    /** Rescales all gradients together so their joint L2 norm is at most this. Returns this. */
    public Optimizer globalClipNorm(float norm) {
        this.globalClipNorm = norm;
        return this;
    }

    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name());
        m.put("learning_rate", (double) learningRate);
        if (!Float.isNaN(clipValue)) m.put("clipvalue", (double) clipValue);
        if (!Float.isNaN(clipNorm)) m.put("clipnorm", (double) clipNorm);
        if (!Float.isNaN(globalClipNorm)) m.put("global_clipnorm", (double) globalClipNorm);
        return m;
    }
}
