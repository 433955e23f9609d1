package dev.myelin.nn.optimizers.schedules;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.myelin.nn.optimizers.schedules.ScheduleConfig.*;

/**
 * Keras's {@code CosineDecayRestarts} (SGDR): a cosine decay from {@code initial} towards
 * {@code initial * alpha} over {@code firstDecaySteps}, then a restart; period i lasts
 * {@code firstDecaySteps * tMul^i} steps and starts at {@code initial * mMul^i}.
 *
 * <pre>{@code new SGD(0.1f).schedule(new CosineDecayRestarts(0.1, 1000));}</pre>
 */
public record CosineDecayRestarts(double initialLearningRate, long firstDecaySteps, double tMul, double mMul, double alpha)
        implements LearningRateSchedule {

    public CosineDecayRestarts {
        finite("CosineDecayRestarts", "initial_learning_rate", initialLearningRate);
        positiveSteps("CosineDecayRestarts", "first_decay_steps", firstDecaySteps);
        if (!(tMul > 0) || !Double.isFinite(tMul)) throw new IllegalArgumentException("CosineDecayRestarts: t_mul must be a finite number > 0, got " + tMul);
        finite("CosineDecayRestarts", "m_mul", mMul);
        finite("CosineDecayRestarts", "alpha", alpha);
    }

    /** Keras's defaults: each period twice as long (t_mul 2), same height (m_mul 1), alpha 0. */
    public CosineDecayRestarts(double initialLearningRate, long firstDecaySteps) {
        this(initialLearningRate, firstDecaySteps, 2.0, 1.0, 0.0);
    }

    @Override
    public double rate(long step) {
        double fraction = (double) step / firstDecaySteps, restart;
        if (tMul == 1.0) {
            restart = Math.floor(fraction);
            fraction -= restart;
        } else {
            // periods 1, t, t^2, ...: restart i begins at fraction (1 - t^i) / (1 - t)
            restart = Math.floor(Math.log(1 - fraction * (1 - tMul)) / Math.log(tMul));
            double start = (1 - Math.pow(tMul, restart)) / (1 - tMul);
            fraction = (fraction - start) / Math.pow(tMul, restart);
        }
        double cosine = 0.5 * Math.pow(mMul, restart) * (1 + Math.cos(Math.PI * fraction));
        return initialLearningRate * ((1 - alpha) * cosine + alpha);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initial_learning_rate", initialLearningRate);
        m.put("first_decay_steps", firstDecaySteps);
        m.put("t_mul", tMul);
        m.put("m_mul", mMul);
        m.put("alpha", alpha);
        return m;
    }

    public static CosineDecayRestarts fromConfig(Map<String, Object> c) {
        String cls = "CosineDecayRestarts";
        checkKeys(cls, c, List.of("initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha"));
        return new CosineDecayRestarts(getDouble(cls, c, "initial_learning_rate"), getLong(cls, c, "first_decay_steps"),
                getDouble(cls, c, "t_mul", 2.0), getDouble(cls, c, "m_mul", 1.0), getDouble(cls, c, "alpha", 0.0));
    }
}
