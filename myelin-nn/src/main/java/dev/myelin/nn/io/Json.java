package dev.myelin.nn.io;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON for file sections through Jackson jr: plain maps and lists, insertion order kept, duplicate keys refused. */
final class Json {
    private Json() {}

    private static final JSON READER = JSON.std
            .with(JSON.Feature.USE_DEFERRED_MAPS, false)
            .with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS, true);
    private static final JSON PRETTY = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT);

    /** UTF-8 JSON of a map/list tree (see {@link #sanitize}); pretty-printed so `strings` on a file reads well. */
    static byte[] write(Object value, boolean pretty) {
        try {
            return (pretty ? PRETTY : JSON.std).asString(sanitize(value)).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** Parses a JSON object, naming the file and part on error. */
    static Map<String, Object> readObject(byte[] utf8, Path file, String what) throws ModelFileException {
        Object o;
        try {
            o = READER.anyFrom(new String(utf8, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new ModelFileException(file, what + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (!(o instanceof Map<?, ?>)) {
            throw new ModelFileException(file, what + " must be a JSON object, got " + (o == null ? "null" : o.getClass().getSimpleName()));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) o;
        return m;
    }

    private static String firstLine(String s) {
        if (s == null) return "(no detail)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * A copy holding only what JSON can carry: maps with string keys, lists, strings, booleans,
     * integers and finite doubles. Floats widen to double; primitive arrays become lists;
     * NaN and infinities become the strings "NaN", "Infinity", "-Infinity".
     */
    static Object sanitize(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Long) return v;
        if (v instanceof Short || v instanceof Byte) return ((Number) v).intValue();
        if (v instanceof Float || v instanceof Double) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) return "NaN";
            if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
            return d;
        }
        if (v instanceof Number n) return n.toString();
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), sanitize(e.getValue()));
            return out;
        }
        if (v instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            for (Object o : it) out.add(sanitize(o));
            return out;
        }
        if (v.getClass().isArray()) {
            List<Object> out = new ArrayList<>();
            for (int i = 0, n = Array.getLength(v); i < n; i++) out.add(sanitize(Array.get(v, i)));
            return out;
        }
        if (v instanceof Enum<?> e) return e.name();
        return v.toString();
    }
}
