package dev.myelin.nn.optimizers.schedules;

import dev.myelin.nn.Config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A learning rate that changes with the optimizer's step, as Keras's
 * {@code keras.optimizers.schedules.LearningRateSchedule}: {@link #rate} maps the number of
 * updates already applied (0 for the first update) to the rate, and {@link #config()} gives the
 * settings so the schedule is saved with the optimizer. (For a schedule that need not be saved,
 * pass a lambda to {@code Optimizer.schedule(IntToDoubleFunction)} instead.)
 *
 * <pre>{@code new SGD(0.1f).schedule(new ExponentialDecay(0.1, 1000, 0.96));}</pre>
 */
public interface LearningRateSchedule {

    /** The learning rate for the update that follows {@code step} applied updates. */
    double rate(long step);

    /** Settings with Keras's keys (e.g. "initial_learning_rate", "decay_steps"). */
    Map<String, Object> config();

    /** Keras's class name, e.g. "ExponentialDecay"; {@link #deserialize} reads it back. */
    default String className() {
        return getClass().getSimpleName();
    }

    /** {"class_name": "ExponentialDecay", "config": {...}}, as Keras's {@code schedules.serialize}. */
    static Map<String, Object> serialize(LearningRateSchedule s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class_name", s.className());
        m.put("config", s.config());
        return m;
    }

    /** The schedule that {@link #serialize} wrote. */
    static LearningRateSchedule deserialize(Object serialized) {
        Map<String, Object> m = Config.map(serialized, "learning rate schedule");
        String cls = Config.getString(m, "class_name");
        Map<String, Object> c = Config.map(m.get("config"), "learning rate schedule '" + cls + "' config");
        return switch (cls) {
            case "ExponentialDecay" -> ExponentialDecay.fromConfig(c);
            case "PiecewiseConstantDecay" -> PiecewiseConstantDecay.fromConfig(c);
            case "PolynomialDecay" -> PolynomialDecay.fromConfig(c);
            case "InverseTimeDecay" -> InverseTimeDecay.fromConfig(c);
            case "CosineDecay" -> CosineDecay.fromConfig(c);
            case "CosineDecayRestarts" -> CosineDecayRestarts.fromConfig(c);
            default -> throw new IllegalArgumentException("unknown learning rate schedule '" + cls + "': expected one of "
                    + List.of("ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts"));
        };
    }
}
