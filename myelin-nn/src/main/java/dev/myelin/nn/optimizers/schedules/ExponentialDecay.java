package dev.myelin.nn.optimizers.schedules;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.myelin.nn.optimizers.schedules.ScheduleConfig.*;

/**
 * Keras's {@code ExponentialDecay}: {@code initial * decayRate^(step / decaySteps)}, with the
 * exponent floored when {@code staircase}.
 *
 * <pre>{@code new SGD(0.1f).schedule(new ExponentialDecay(0.1, 1000, 0.96, true));}</pre>
 */
public record ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, boolean staircase)
        implements LearningRateSchedule {

    public ExponentialDecay {
        finite("ExponentialDecay", "initial_learning_rate", initialLearningRate);
        positiveSteps("ExponentialDecay", "decay_steps", decaySteps);
        finite("ExponentialDecay", "decay_rate", decayRate);
    }

    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate) {
        this(initialLearningRate, decaySteps, decayRate, false);
    }

    @Override
    public double rate(long step) {
        double p = (double) step / decaySteps;
        if (staircase) p = Math.floor(p);
        return initialLearningRate * Math.pow(decayRate, p);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initial_learning_rate", initialLearningRate);
        m.put("decay_steps", decaySteps);
        m.put("decay_rate", decayRate);
        m.put("staircase", staircase);
        return m;
    }

    public static ExponentialDecay fromConfig(Map<String, Object> c) {
        String cls = "ExponentialDecay";
        checkKeys(cls, c, List.of("initial_learning_rate", "decay_steps", "decay_rate", "staircase"));
        return new ExponentialDecay(getDouble(cls, c, "initial_learning_rate"), getLong(cls, c, "decay_steps"),
                getDouble(cls, c, "decay_rate"), getBool(cls, c, "staircase", false));
    }
}
