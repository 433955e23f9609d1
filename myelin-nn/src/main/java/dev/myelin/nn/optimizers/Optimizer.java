package dev.myelin.nn.optimizers;

import dev.myelin.core.GradMode;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.optimizers.schedules.LearningRateSchedule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * Updates weights from their gradients, as Keras 3's optimizers do. Each {@link #step}:
 * <ol>
 *   <li>takes this step's learning rate: the schedule's value at {@link #iterations()} (the number
 *       of updates already applied, so 0 for the first), or the base rate;</li>
 *   <li>clips the gradients, by at most one of: each element to [-clipvalue, clipvalue], each
 *       weight's gradient to L2 norm clipnorm, or all gradients together to global norm
 *       global_clipnorm (Keras refuses more than one, and so does this class);</li>
 *   <li>applies decoupled weight decay if set: {@code w -= w * weight_decay * lr};</li>
 *   <li>calls {@link #update} for each weight that has a gradient, then counts the step.</li>
 * </ol>
 * Per-weight state (moments) lives in {@link #slot} tensors, which checkpoints save.
 *
 * <pre>{@code
 * Optimizer opt = new Adam(1e-3f).clipNorm(1f).schedule(new CosineDecay(1e-3, 10_000));
 * opt.step(model.trainableWeights());
 * }</pre>
 */
public abstract class Optimizer {
    protected float learningRate;
    private LearningRateSchedule schedule;
    private IntToDoubleFunction lambdaSchedule;
    private float clipValue = Float.NaN, clipNorm = Float.NaN, globalClipNorm = Float.NaN;
    private float weightDecay = Float.NaN;
    private final List<String> excludedFromDecay = new ArrayList<>();
    private long iterations;
    // Parameter keeps Object's identity equals/hashCode; a linked map keeps checkpoint order stable.
    private final Map<Parameter, Map<String, Tensor>> slots = new LinkedHashMap<>();

    protected Optimizer(float learningRate) {
        this.learningRate = requirePositive("learning rate", learningRate);
    }

    /** Keras's name: "sgd", "adam", ... (the key of {@link Optimizers#get}). */
    public abstract String name();

    /** Applies one update to {@code param} given its (clipped) gradient, at learning rate {@code lr}; {@code t} counts from 1. */
    protected abstract void update(Parameter param, Tensor grad, float lr, long t);

    /** Updates every weight that has a gradient. Runs without recording autograd. */
    public void step(List<Parameter> params) {
        float lr = currentLearningRate();
        long t = iterations + 1;
        try (var ignored = GradMode.noGrad()) {
            float globalScale = 1f;
            if (!Float.isNaN(globalClipNorm)) {
                double sq = 0;
                for (Parameter p : params) if (p.grad() != null) sq += sumSquares(p.grad());
                globalScale = clipScale(Math.sqrt(sq), globalClipNorm);
            }
            for (Parameter p : params) {
                Tensor g = p.grad();
                if (g == null) continue;
                if (globalScale != 1f) g = g.mul(globalScale);
                if (!Float.isNaN(clipNorm)) {
                    float s = clipScale(Math.sqrt(sumSquares(g)), clipNorm);
                    if (s != 1f) g = g.mul(s);
                }
                if (!Float.isNaN(clipValue)) g = g.clamp(-clipValue, clipValue);
                if (!Float.isNaN(weightDecay) && weightDecay != 0f && decays(p)) decay(p.value(), weightDecay * lr);
                update(p, g, lr, t);
            }
        }
        iterations = t;
    }

    /** Keras's clip_by_norm factor: g * clip / max(norm, clip), so 1 when the norm is within bounds. */
    private static float clipScale(double norm, float clip) {
        return norm > clip ? (float) (clip / norm) : 1f;
    }

    // w -= w * c, with c = weight_decay * lr
    private static void decay(Tensor w, float c) {
        float[] d = w.floatData();
        int o = w.offset(), n = w.numel();
        for (int i = o; i < o + n; i++) d[i] -= d[i] * c;
        w.markModifiedInPlace();
    }

    private boolean decays(Parameter p) {
        for (String s : excludedFromDecay) if (p.path().contains(s)) return false;
        return true;
    }

    private static double sumSquares(Tensor g) {
        double s = 0;
        if (g.isContiguous()) {
            float[] d = g.floatData();
            int o = g.offset(), n = g.numel();
            for (int i = o; i < o + n; i++) s += (double) d[i] * d[i];
        } else {
            for (float v : g.toFloatArray()) s += (double) v * v;
        }
        return s;
    }

    /** The state tensor {@code key} of a weight, created as zeros on first use; contiguous, the weight's shape. */
    protected Tensor slot(Parameter p, String key) {
        return slot(p, key, 0f);
    }

    /** The state tensor {@code key} of a weight, filled with {@code initial} on first use. */
    protected Tensor slot(Parameter p, String key, float initial) {
        Map<String, Tensor> m = slots.computeIfAbsent(p, k -> new LinkedHashMap<>());
        Tensor s = m.get(key);
        if (s == null) {
            s = initial == 0f ? Tensor.zeros(p.shape()) : Tensor.full(initial, p.shape());
            m.put(key, s);
        } else if (!Shape.equal(s.shape(), p.shape())) {
            throw new IllegalArgumentException("optimizer slot '" + key + "' of weight '" + p.path() + "' has shape "
                    + Shape.format(s.shape()) + ", expected the weight's shape " + Shape.format(p.shape()));
        } else if (!s.isContiguous()) {
            s = s.detach().contiguous();
            m.put(key, s);
        }
        return s;
    }

    /** All state tensors, by weight and slot name (Keras's names: "momentum", "velocity", ...), for checkpoints. */
    public Map<Parameter, Map<String, Tensor>> slots() {
        return slots;
    }

    /** Sets a weight's state tensor (restoring a checkpoint); shapes must match the weight. */
    public void restoreSlot(Parameter p, String key, Tensor value) {
        if (!dev.myelin.core.Shape.equal(value.shape(), p.shape())) {
            throw new IllegalArgumentException("optimizer slot '" + key + "' of weight '" + p.path() + "' must have shape "
                    + dev.myelin.core.Shape.format(p.shape()) + ", got " + dev.myelin.core.Shape.format(value.shape()));
        }
        slot(p, key).copyFrom(value.toFloat());
    }

    /** Whether a learning-rate schedule (object or function) drives the rate. */
    public boolean hasSchedule() {
        return schedule != null;
    }

    /** Number of steps taken so far. */
    public long iterations() {
        return iterations;
    }

    /** Restores the step count (resuming from a checkpoint). */
    public void setIterations(long value) {
        if (value < 0) throw new IllegalArgumentException("iterations must be >= 0, got " + value);
        this.iterations = value;
    }

    /** The base learning rate (the constructor's, or the last {@link #setLearningRate}). */
    public float learningRate() {
        return learningRate;
    }

    /**
     * Changes the base learning rate (ReduceLROnPlateau, LearningRateScheduler). As in Keras, an
     * optimizer that follows a schedule refuses: the schedule owns the rate.
     */
    public void setLearningRate(float lr) {
        if (schedule != null || lambdaSchedule != null) {
            throw new IllegalStateException("this " + name() + " optimizer follows a learning-rate schedule"
                    + (schedule != null ? " (" + schedule.className() + ")" : "")
                    + ", so its rate cannot be set; remove the schedule with schedule((LearningRateSchedule) null) first");
        }
        this.learningRate = requirePositive("learning rate", lr);
    }

    /** The rate the next step will use: the schedule at {@link #iterations()}, or the base rate (Keras's {@code optimizer.learning_rate}). */
    public float currentLearningRate() {
        if (schedule != null) return (float) schedule.rate(iterations);
        if (lambdaSchedule != null) return (float) lambdaSchedule.applyAsDouble((int) Math.min(iterations, Integer.MAX_VALUE));
        return learningRate;
    }

    /** Follows a learning-rate schedule (null for none); saved in {@link #config()}. Returns this. */
    public Optimizer schedule(LearningRateSchedule s) {
        this.schedule = s;
        this.lambdaSchedule = null;
        return this;
    }

    /**
     * Follows a schedule given as a function from the number of updates already applied (0 for
     * the first update, as Keras) to the rate. A function cannot be saved: {@link #config()} then
     * records the base rate; use a {@link LearningRateSchedule} to keep the schedule. Returns this.
     */
    public Optimizer schedule(IntToDoubleFunction lrAtStep) {
        this.lambdaSchedule = lrAtStep;
        this.schedule = null;
        return this;
    }

    /** The schedule set with {@link #schedule(LearningRateSchedule)}, or null. */
    public LearningRateSchedule learningRateSchedule() {
        return schedule;
    }

    /** Clips each gradient element to [-value, value] (Keras's clipvalue). Returns this. */
    public Optimizer clipValue(float value) {
        requireOneClip("clipvalue", clipNorm, globalClipNorm);
        this.clipValue = requirePositive("clipvalue", value);
        return this;
    }

    /** Rescales each weight's gradient to at most this L2 norm (Keras's clipnorm). Returns this. */
    public Optimizer clipNorm(float norm) {
        requireOneClip("clipnorm", clipValue, globalClipNorm);
        this.clipNorm = requirePositive("clipnorm", norm);
        return this;
    }

    /** Rescales all gradients together so their joint L2 norm is at most this (Keras's global_clipnorm). Returns this. */
    public Optimizer globalClipNorm(float norm) {
        requireOneClip("global_clipnorm", clipValue, clipNorm);
        this.globalClipNorm = requirePositive("global_clipnorm", norm);
        return this;
    }

    private void requireOneClip(String setting, float other1, float other2) {
        if (!Float.isNaN(other1) || !Float.isNaN(other2)) {
            throw new IllegalArgumentException("only one of clipnorm, clipvalue and global_clipnorm can be set (as in Keras); "
                    + "cannot add " + setting + " to clipvalue=" + orNone(clipValue) + ", clipnorm=" + orNone(clipNorm)
                    + ", global_clipnorm=" + orNone(globalClipNorm));
        }
    }

    private static String orNone(float v) {
        return Float.isNaN(v) ? "None" : Float.toString(v);
    }

    /** The clip settings; NaN where not set. */
    public float clipValue() {
        return clipValue;
    }

    public float clipNorm() {
        return clipNorm;
    }

    public float globalClipNorm() {
        return globalClipNorm;
    }

    /** Decoupled weight decay, {@code w -= w * decay * lr} before each update (Keras's weight_decay). Returns this. */
    public Optimizer weightDecay(float decay) {
        if (!(decay >= 0) || Float.isInfinite(decay)) throw new IllegalArgumentException("weight_decay must be a finite number >= 0, got " + decay);
        this.weightDecay = decay;
        return this;
    }

    /** The weight decay, or NaN for none. */
    public float weightDecay() {
        return weightDecay;
    }

    /** Exempts weights whose path contains any of these strings (e.g. "bias") from weight decay. Returns this. */
    public Optimizer excludeFromWeightDecay(String... nameParts) {
        for (String s : nameParts) {
            if (s == null || s.isEmpty()) throw new IllegalArgumentException("excludeFromWeightDecay: names must be non-empty strings, got " + (s == null ? "null" : "\"\""));
            excludedFromDecay.add(s);
        }
        return this;
    }

    /** Settings with Keras's keys; {@link Optimizers#fromConfig} rebuilds the optimizer from it. */
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name());
        m.put("learning_rate", schedule != null ? LearningRateSchedule.serialize(schedule) : num(learningRate));
        if (!Float.isNaN(weightDecay)) m.put("weight_decay", num(weightDecay));
        if (!excludedFromDecay.isEmpty()) m.put("exclude_from_weight_decay", new ArrayList<Object>(excludedFromDecay));
        if (!Float.isNaN(clipValue)) m.put("clipvalue", num(clipValue));
        if (!Float.isNaN(clipNorm)) m.put("clipnorm", num(clipNorm));
        if (!Float.isNaN(globalClipNorm)) m.put("global_clipnorm", num(globalClipNorm));
        return m;
    }

    /** A float as the double with the same shortest decimal (0.9f becomes 0.9, not 0.8999999761581421), for configs. */
    protected static double num(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    /** Checks {@code value > 0} and finite, naming the setting otherwise. */
    protected static float requirePositive(String what, float value) {
        if (!(value > 0) || Float.isInfinite(value)) throw new IllegalArgumentException(what + " must be a finite number > 0, got " + value);
        return value;
    }

    /** Checks {@code lo <= value < hi} (or {@code <= hi} when {@code hiInclusive}), naming the setting otherwise. */
    protected static float requireRange(String what, float value, float lo, float hi, boolean hiInclusive) {
        boolean ok = value >= lo && (hiInclusive ? value <= hi : value < hi);
        if (!ok) throw new IllegalArgumentException(what + " must be in [" + lo + ", " + hi + (hiInclusive ? "]" : ")") + ", got " + value);
        return value;
    }
}
