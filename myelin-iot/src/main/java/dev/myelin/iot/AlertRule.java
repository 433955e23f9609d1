package dev.myelin.iot;

/**
 * A rule on a device's predictions: the score is element {@code output} of the model's output
 * row; the rule holds for a window when the score is above (or below) the threshold, and fires
 * when it has held for {@code consecutive} windows in a row. It fires once per run: after firing
 * it waits for a window where it does not hold before it can fire again.
 *
 * <pre>{@code new AlertRule("anomaly", 0, AlertRule.Op.ABOVE, 0.5f, 3)   // 3 windows in a row with score > 0.5}</pre>
 */
public record AlertRule(String name, int output, Op op, float threshold, int consecutive) {

    /** How the score is compared with the threshold (strictly). */
    public enum Op {
        ABOVE, BELOW;

        boolean holds(float score, float threshold) {
            return this == ABOVE ? score > threshold : score < threshold;
        }
    }

    public AlertRule {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("alert rule: give a name");
        if (output < 0) throw new IllegalArgumentException("alert rule '" + name + "': output index must be >= 0, got " + output);
        if (op == null) throw new IllegalArgumentException("alert rule '" + name + "': give 'above' or 'below'");
        if (!Float.isFinite(threshold)) throw new IllegalArgumentException("alert rule '" + name + "': the threshold must be finite, got " + threshold);
        if (consecutive < 1) throw new IllegalArgumentException("alert rule '" + name + "': consecutive must be at least 1, got " + consecutive);
    }

    /** Score above the threshold for one window. */
    public static AlertRule above(String name, float threshold) {
        return new AlertRule(name, 0, Op.ABOVE, threshold, 1);
    }

    /** The same rule needing {@code k} windows in a row. */
    public AlertRule consecutive(int k) {
        return new AlertRule(name, output, op, threshold, k);
    }

    /** The same rule on element {@code index} of the output row. */
    public AlertRule output(int index) {
        return new AlertRule(name, index, op, threshold, consecutive);
    }
}
