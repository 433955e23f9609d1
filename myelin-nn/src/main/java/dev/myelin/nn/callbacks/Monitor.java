package dev.myelin.nn.callbacks;

import java.io.PrintStream;
import java.util.Map;

/**
 * The monitored quantity of a callback: its name, direction and minimum change, Keras's
 * {@code MonitorCallback}. An improvement over {@code reference} is {@code current < reference - minDelta}
 * (MIN) or {@code current > reference + minDelta} (MAX); NaN is never one.
 */
final class Monitor {
    final String name;
    private final String who;
    private Mode mode;
    private final double minDelta;
    private final Mode fallback;
    private boolean warned;

    Monitor(String who, String name, Mode mode, double minDelta, Mode fallback) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException(who + ": monitor must name a logged quantity, such as \"val_loss\"");
        if (Double.isNaN(minDelta)) throw new IllegalArgumentException(who + ": minDelta must be a number, got NaN");
        this.who = who;
        this.name = name;
        this.mode = mode;
        this.minDelta = Math.abs(minDelta);
        this.fallback = fallback;
    }

    Monitor withMode(Mode m) {
        return new Monitor(who, name, m, minDelta, fallback);
    }

    Monitor withMinDelta(double d) {
        return new Monitor(who, name, mode, d, fallback);
    }

    /** MIN or MAX, resolved on first use (as Keras, once the metrics are known). */
    Mode direction() {
        if (mode == Mode.AUTO) mode = mode.resolve(name, fallback, who);
        return mode;
    }

    double minDelta() {
        return minDelta;
    }

    /** The worst possible value: where "best" starts. */
    double worst() {
        return direction() == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    boolean isImprovement(double current, double reference) {
        return direction() == Mode.MIN ? current < reference - minDelta : current > reference + minDelta;
    }

    /** The value in {@code logs}, or null with a warning (once per training run) naming what is there. */
    Double value(Map<String, Double> logs, PrintStream err) {
        Double v = logs == null ? null : logs.get(name);
        if (v == null && !warned) {
            warned = true;
            err.println("WARNING: " + who + " is conditioned on metric '" + name + "', which is not available. Available metrics are: "
                    + (logs == null ? "none" : String.join(",", logs.keySet())) + (name.startsWith("val_") ? " (no validation data?)" : ""));
        }
        return v;
    }

    void resetWarning() {
        warned = false;
    }
}
