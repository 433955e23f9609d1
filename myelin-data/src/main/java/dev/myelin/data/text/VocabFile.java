package dev.myelin.data.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.jr.ob.JSON;
import dev.myelin.nn.io.AtomicFile;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON files tokenizers save: {@code {"format": ..., "version": n, "createdBy": ..., ...}},
 * written to a temporary file in the same folder and moved over the target, so a reader never
 * sees half a file.
 */
final class VocabFile {
    private VocabFile() {}

    private static final JSON READER = JSON.std
            .with(JSON.Feature.USE_DEFERRED_MAPS, false)
            .with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS, true);

    /** A map that starts with the format, version and maker, to which the caller adds its fields. */
    static Map<String, Object> header(String format, int version) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format);
        m.put("version", version);
        String v = VocabFile.class.getPackage().getImplementationVersion();
        m.put("createdBy", "myelin " + (v == null ? "(development build)" : v));
        return m;
    }

    static void write(Path path, Map<String, Object> content) throws IOException {
        byte[] bytes = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(content).getBytes(StandardCharsets.UTF_8);
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        AtomicFile.write(abs, bytes);
    }

    /** Reads a file written by {@link #write}, checking its format name and that its version is at most {@code maxVersion}. */
    static Map<String, Object> read(Path path, String format, int maxVersion) throws IOException {
        if (!Files.isRegularFile(path)) throw new FileNotFoundException(path + ": no such file");
        Object o;
        try {
            o = READER.anyFrom(new String(Files.readAllBytes(path), StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            var loc = e.getLocation();
            throw new IOException(path + (loc == null ? "" : ": line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                    + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(o instanceof Map<?, ?> m)) throw new IOException(path + ": expected a JSON object {\"format\": \"" + format + "\", ...}");
        if (!format.equals(m.get("format"))) {
            throw new IOException(path + ": \"format\" is " + quote(m.get("format")) + ", expected \"" + format + "\"");
        }
        if (!(m.get("version") instanceof Integer v) || v < 1 || v > maxVersion) {
            throw new IOException(path + ": \"version\" is " + quote(m.get("version")) + "; this myelin reads versions 1 to " + maxVersion);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) m;
        return map;
    }

    static String string(Path path, Map<String, Object> m, String key) throws IOException {
        if (m.get(key) instanceof String s) return s;
        throw new IOException(path + ": \"" + key + "\" is " + quote(m.get(key)) + ", expected a string");
    }

    static boolean bool(Path path, Map<String, Object> m, String key) throws IOException {
        if (m.get(key) instanceof Boolean b) return b;
        throw new IOException(path + ": \"" + key + "\" is " + quote(m.get(key)) + ", expected true or false");
    }

    static long integer(Path path, Map<String, Object> m, String key) throws IOException {
        if (m.get(key) instanceof Integer || m.get(key) instanceof Long) return ((Number) m.get(key)).longValue();
        throw new IOException(path + ": \"" + key + "\" is " + quote(m.get(key)) + ", expected a whole number");
    }

    static List<?> list(Path path, Map<String, Object> m, String key) throws IOException {
        if (m.get(key) instanceof List<?> l) return l;
        throw new IOException(path + ": \"" + key + "\" is " + quote(m.get(key)) + ", expected an array");
    }

    static String quote(Object v) {
        if (v == null) return "missing";
        String s = v instanceof String str ? "\"" + str + "\"" : String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
