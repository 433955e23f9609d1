package dev.myelin.nn.optimizers.schedules;

import java.util.List;
import java.util.Map;

/** Typed reads from a schedule's config map and argument checks, with errors that name the schedule and the key. */
final class ScheduleConfig {
    private ScheduleConfig() {}

    /** A step count: an integral number. */
    static long getLong(String cls, Map<String, Object> m, String key) {
        Object o = m.get(key);
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.longValue();
        throw new IllegalArgumentException(cls + " config: '" + key + "' must be an integer, got " + o);
    }

    static long getLong(String cls, Map<String, Object> m, String key, long fallback) {
        return m.get(key) == null ? fallback : getLong(cls, m, key);
    }

    static double getDouble(String cls, Map<String, Object> m, String key) {
        Object o = m.get(key);
        if (o instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException(cls + " config: '" + key + "' must be a number, got " + o);
    }

    static double getDouble(String cls, Map<String, Object> m, String key, double fallback) {
        return m.get(key) == null ? fallback : getDouble(cls, m, key);
    }

    static boolean getBool(String cls, Map<String, Object> m, String key, boolean fallback) {
        Object o = m.get(key);
        if (o == null) return fallback;
        if (o instanceof Boolean b) return b;
        throw new IllegalArgumentException(cls + " config: '" + key + "' must be true or false, got " + o);
    }

    /** Refuses keys the schedule does not know ("name" is Keras's op name, accepted and ignored). */
    static void checkKeys(String cls, Map<String, Object> m, List<String> known) {
        for (String k : m.keySet()) {
            if (!k.equals("name") && !known.contains(k)) {
                throw new IllegalArgumentException(cls + " config: unknown key '" + k + "'; expected " + known);
            }
        }
    }

    static long positiveSteps(String cls, String what, long steps) {
        if (steps <= 0) throw new IllegalArgumentException(cls + ": " + what + " must be > 0, got " + steps);
        return steps;
    }

    static double finite(String cls, String what, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(cls + ": " + what + " must be a finite number, got " + v);
        return v;
    }
}
