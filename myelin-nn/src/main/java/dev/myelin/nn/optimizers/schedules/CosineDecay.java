package dev.myelin.nn.optimizers.schedules;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.myelin.nn.optimizers.schedules.ScheduleConfig.*;

/**
 * Keras 3's {@code CosineDecay} with optional linear warm-up. Without a warm-up target the rate
 * goes from {@code initial} to {@code initial * alpha}:
 * {@code initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decaySteps) / decaySteps)) + alpha)}.
 * With {@code warmupTarget}, it first rises linearly from {@code initial} to {@code warmupTarget}
 * over {@code warmupSteps} steps, then decays from {@code warmupTarget} to {@code warmupTarget * alpha}
 * over the next {@code decaySteps}.
 *
 * <pre>{@code new AdamW().schedule(new CosineDecay(0.0, 9_000, 0.0, 1e-3, 1_000));}</pre>
 */
public record CosineDecay(double initialLearningRate, long decaySteps, double alpha, Double warmupTarget, long warmupSteps)
        implements LearningRateSchedule {

    public CosineDecay {
        finite("CosineDecay", "initial_learning_rate", initialLearningRate);
        positiveSteps("CosineDecay", "decay_steps", decaySteps);
        finite("CosineDecay", "alpha", alpha);
        if (warmupTarget != null) finite("CosineDecay", "warmup_target", warmupTarget);
        if (warmupSteps < 0) throw new IllegalArgumentException("CosineDecay: warmup_steps must be >= 0, got " + warmupSteps);
    }

    /** Decay from {@code initial} to 0 over {@code decaySteps}, no warm-up (Keras's defaults). */
    public CosineDecay(double initialLearningRate, long decaySteps) {
        this(initialLearningRate, decaySteps, 0.0, null, 0);
    }

    public CosineDecay(double initialLearningRate, long decaySteps, double alpha) {
        this(initialLearningRate, decaySteps, alpha, null, 0);
    }

    @Override
    public double rate(long step) {
        if (warmupTarget == null) return decayed(Math.min(step, decaySteps), initialLearningRate);
        double s = Math.min(step, decaySteps + warmupSteps);
        if (s < warmupSteps) return (warmupTarget - initialLearningRate) * (s / warmupSteps) + initialLearningRate;
        return decayed(s - warmupSteps, warmupTarget);
    }

    private double decayed(double s, double from) {
        double cosine = 0.5 * (1 + Math.cos(Math.PI * s / decaySteps));
        return from * ((1 - alpha) * cosine + alpha);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initial_learning_rate", initialLearningRate);
        m.put("decay_steps", decaySteps);
        m.put("alpha", alpha);
        m.put("warmup_target", warmupTarget);
        m.put("warmup_steps", warmupSteps);
        return m;
    }

    public static CosineDecay fromConfig(Map<String, Object> c) {
        String cls = "CosineDecay";
        checkKeys(cls, c, List.of("initial_learning_rate", "decay_steps", "alpha", "warmup_target", "warmup_steps"));
        Double target = c.get("warmup_target") == null ? null : getDouble(cls, c, "warmup_target");
        return new CosineDecay(getDouble(cls, c, "initial_learning_rate"), getLong(cls, c, "decay_steps"),
                getDouble(cls, c, "alpha", 0.0), target, getLong(cls, c, "warmup_steps", 0));
    }
}
