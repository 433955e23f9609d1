package dev.myelin.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed reads from a layer's config map (the JSON-shaped map that {@code config()} writes and
 * {@code fromConfig} reads), with errors that name the key and what was expected.
 */
public final class Config {
    private Config() {}

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o, String what) {
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new IllegalArgumentException(what + ": expected an object, got " + describe(o));
    }

    private static Object require(Map<String, Object> m, String key) {
        if (!m.containsKey(key) || m.get(key) == null) throw new IllegalArgumentException("config: missing '" + key + "'");
        return m.get(key);
    }

    public static int getInt(Map<String, Object> m, String key) {
        Object o = require(m, key);
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.intValue();
        throw new IllegalArgumentException("config: '" + key + "' must be an integer, got " + describe(o));
    }

    public static int getInt(Map<String, Object> m, String key, int fallback) {
        return m.get(key) == null ? fallback : getInt(m, key);
    }

    public static float getFloat(Map<String, Object> m, String key) {
        Object o = require(m, key);
        if (o instanceof Number n) return n.floatValue();
        throw new IllegalArgumentException("config: '" + key + "' must be a number, got " + describe(o));
    }

    public static float getFloat(Map<String, Object> m, String key, float fallback) {
        return m.get(key) == null ? fallback : getFloat(m, key);
    }

    public static boolean getBool(Map<String, Object> m, String key, boolean fallback) {
        Object o = m.get(key);
        if (o == null) return fallback;
        if (o instanceof Boolean b) return b;
        throw new IllegalArgumentException("config: '" + key + "' must be true or false, got " + describe(o));
    }

    public static String getString(Map<String, Object> m, String key) {
        Object o = require(m, key);
        if (o instanceof String s) return s;
        throw new IllegalArgumentException("config: '" + key + "' must be a string, got " + describe(o));
    }

    public static String getString(Map<String, Object> m, String key, String fallback) {
        return m.get(key) == null ? fallback : getString(m, key);
    }

    public static int[] getInts(Map<String, Object> m, String key) {
        Object o = require(m, key);
        if (o instanceof List<?> l) {
            int[] r = new int[l.size()];
            for (int i = 0; i < r.length; i++) {
                if (!(l.get(i) instanceof Number n)) throw new IllegalArgumentException("config: '" + key + "' must be a list of integers, got " + describe(o));
                r[i] = n.intValue();
            }
            return r;
        }
        if (o instanceof Number n) return new int[]{n.intValue()};
        throw new IllegalArgumentException("config: '" + key + "' must be a list of integers, got " + describe(o));
    }

    public static int[] getInts(Map<String, Object> m, String key, int[] fallback) {
        return m.get(key) == null ? fallback : getInts(m, key);
    }

    /** An int array as a JSON-ready list. */
    public static List<Object> list(int[] values) {
        List<Object> l = new ArrayList<>(values.length);
        for (int v : values) l.add(v);
        return l;
    }

    private static String describe(Object o) {
        return o == null ? "null" : o + " (" + o.getClass().getSimpleName() + ")";
    }
}
