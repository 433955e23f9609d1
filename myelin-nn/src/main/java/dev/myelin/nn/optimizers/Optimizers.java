package dev.myelin.nn.optimizers;

import dev.myelin.nn.Config;
import dev.myelin.nn.optimizers.schedules.LearningRateSchedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The optimizers by Keras name, with Keras's defaults, and back from {@link Optimizer#config()}.
 *
 * <pre>{@code
 * Optimizer opt = Optimizers.get("adamw");                      // lr 0.001, weight_decay 0.004
 * Optimizer same = Optimizers.fromConfig(opt.config());
 * }</pre>
 */
public final class Optimizers {
    private Optimizers() {}

    private static final List<String> NAMES = List.of("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "nadam");
    private static final List<String> BASE_KEYS = List.of("name", "learning_rate", "weight_decay", "exclude_from_weight_decay",
            "clipvalue", "clipnorm", "global_clipnorm");

    /** The names {@link #get} knows. */
    public static List<String> names() {
        return NAMES;
    }

    /** A new optimizer with Keras's defaults, by name ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "nadam"; any case). */
    public static Optimizer get(String name) {
        return switch (key(name)) {
            case "sgd" -> new SGD();
            case "adam" -> new Adam();
            case "adamw" -> new AdamW();
            case "rmsprop" -> new RMSprop();
            case "adagrad" -> new Adagrad();
            case "adadelta" -> new Adadelta();
            case "nadam" -> new Nadam();
            default -> throw unknown(name);
        };
    }

    private static String key(String name) {
        if (name == null) throw new IllegalArgumentException("optimizer name must not be null; expected one of " + NAMES);
        return name.toLowerCase(Locale.ROOT);
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown optimizer '" + name + "': expected one of " + NAMES);
    }

    /** The optimizer a {@link Optimizer#config()} describes; settings left out take Keras's defaults. */
    public static Optimizer fromConfig(Map<String, Object> c) {
        String name = key(Config.getString(c, "name"));
        Object lrValue = c.get("learning_rate");
        LearningRateSchedule schedule = lrValue instanceof Map<?, ?> ? LearningRateSchedule.deserialize(lrValue) : null;
        float defaultLr = name.equals("sgd") ? 0.01f : 0.001f;
        float lr = lrValue == null || schedule != null ? defaultLr : Config.getFloat(c, "learning_rate");
        Optimizer opt = switch (name) {
            case "sgd" -> {
                check(name, c, "momentum", "nesterov");
                yield new SGD(lr, Config.getFloat(c, "momentum", 0f), Config.getBool(c, "nesterov", false));
            }
            case "adam", "adamw" -> {
                check(name, c, "beta_1", "beta_2", "epsilon", "amsgrad");
                float b1 = Config.getFloat(c, "beta_1", 0.9f), b2 = Config.getFloat(c, "beta_2", 0.999f), eps = Config.getFloat(c, "epsilon", 1e-7f);
                boolean ams = Config.getBool(c, "amsgrad", false);
                yield name.equals("adam") ? new Adam(lr, b1, b2, eps, ams)
                        : new AdamW(lr, Config.getFloat(c, "weight_decay", 0.004f), b1, b2, eps, ams);
            }
            case "rmsprop" -> {
                check(name, c, "rho", "momentum", "epsilon", "centered");
                yield new RMSprop(lr, Config.getFloat(c, "rho", 0.9f), Config.getFloat(c, "momentum", 0f),
                        Config.getFloat(c, "epsilon", 1e-7f), Config.getBool(c, "centered", false));
            }
            case "adagrad" -> {
                check(name, c, "initial_accumulator_value", "epsilon");
                yield new Adagrad(lr, Config.getFloat(c, "initial_accumulator_value", 0.1f), Config.getFloat(c, "epsilon", 1e-7f));
            }
            case "adadelta" -> {
                check(name, c, "rho", "epsilon");
                yield new Adadelta(lr, Config.getFloat(c, "rho", 0.95f), Config.getFloat(c, "epsilon", 1e-7f));
            }
            case "nadam" -> {
                check(name, c, "beta_1", "beta_2", "epsilon");
                yield new Nadam(lr, Config.getFloat(c, "beta_1", 0.9f), Config.getFloat(c, "beta_2", 0.999f), Config.getFloat(c, "epsilon", 1e-7f));
            }
            default -> throw unknown(name);
        };
        if (schedule != null) opt.schedule(schedule);
        if (c.get("weight_decay") != null) opt.weightDecay(Config.getFloat(c, "weight_decay"));
        if (c.get("exclude_from_weight_decay") != null) {
            if (!(c.get("exclude_from_weight_decay") instanceof List<?> l)) {
                throw new IllegalArgumentException("config: 'exclude_from_weight_decay' must be a list of strings, got " + c.get("exclude_from_weight_decay"));
            }
            for (Object o : l) {
                if (!(o instanceof String s)) throw new IllegalArgumentException("config: 'exclude_from_weight_decay' must be a list of strings, got " + l);
                opt.excludeFromWeightDecay(s);
            }
        }
        if (c.get("clipvalue") != null) opt.clipValue(Config.getFloat(c, "clipvalue"));
        if (c.get("clipnorm") != null) opt.clipNorm(Config.getFloat(c, "clipnorm"));
        if (c.get("global_clipnorm") != null) opt.globalClipNorm(Config.getFloat(c, "global_clipnorm"));
        return opt;
    }

    /** Refuses keys the optimizer does not take (a misspelt setting would otherwise be dropped silently). */
    private static void check(String name, Map<String, Object> c, String... own) {
        List<String> known = new ArrayList<>(BASE_KEYS);
        known.addAll(List.of(own));
        for (String k : c.keySet()) {
            if (!known.contains(k)) throw new IllegalArgumentException(name + " config: unknown key '" + k + "'; expected " + known);
        }
    }
}
