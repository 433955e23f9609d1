package dev.myelin.nn.optimizers.schedules;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.myelin.nn.optimizers.schedules.ScheduleConfig.*;

/**
 * Keras's {@code PolynomialDecay}: {@code (initial - end) * (1 - s / decaySteps)^power + end} with
 * {@code s = min(step, decaySteps)}; with {@code cycle}, decaySteps is instead stretched to the
 * first multiple of itself that is at least {@code step} (1 times at step 0).
 *
 * <pre>{@code new SGD(0.1f).schedule(new PolynomialDecay(0.1, 10_000, 0.01, 0.5, false));}</pre>
 */
public record PolynomialDecay(double initialLearningRate, long decaySteps, double endLearningRate, double power, boolean cycle)
        implements LearningRateSchedule {

    public PolynomialDecay {
        finite("PolynomialDecay", "initial_learning_rate", initialLearningRate);
        positiveSteps("PolynomialDecay", "decay_steps", decaySteps);
        finite("PolynomialDecay", "end_learning_rate", endLearningRate);
        finite("PolynomialDecay", "power", power);
    }

    /** Keras's defaults: end 1e-4, power 1 (linear), no cycle. */
    public PolynomialDecay(double initialLearningRate, long decaySteps) {
        this(initialLearningRate, decaySteps, 1e-4, 1.0, false);
    }

    @Override
    public double rate(long step) {
        double s = step, d = decaySteps;
        if (cycle) d *= step == 0 ? 1 : Math.ceil(s / decaySteps);
        else s = Math.min(s, d);
        return (initialLearningRate - endLearningRate) * Math.pow(1 - s / d, power) + endLearningRate;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initial_learning_rate", initialLearningRate);
        m.put("decay_steps", decaySteps);
        m.put("end_learning_rate", endLearningRate);
        m.put("power", power);
        m.put("cycle", cycle);
        return m;
    }

    public static PolynomialDecay fromConfig(Map<String, Object> c) {
        String cls = "PolynomialDecay";
        checkKeys(cls, c, List.of("initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle"));
        return new PolynomialDecay(getDouble(cls, c, "initial_learning_rate"), getLong(cls, c, "decay_steps"),
                getDouble(cls, c, "end_learning_rate", 1e-4), getDouble(cls, c, "power", 1.0), getBool(cls, c, "cycle", false));
    }
}
