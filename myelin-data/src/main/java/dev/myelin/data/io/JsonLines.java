package dev.myelin.data.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JSON Lines (jsonlines.org): one JSON object per line, UTF-8. Blank lines are skipped. Objects
 * come back as insertion-ordered maps of strings, numbers (Integer, Long, BigInteger or Double),
 * booleans, null, lists and maps.
 *
 * <pre>{@code for (Map<String, Object> rec : JsonLines.read(Path.of("data.jsonl"))) texts.add((String) rec.get("text"));}</pre>
 *
 * Errors name the file, the 1-based line and column, and what was expected; a duplicate key in an
 * object is an error.
 */
public final class JsonLines {
    private JsonLines() {}

    private static final JSON READER = JSON.std
            .with(JSON.Feature.USE_DEFERRED_MAPS, false)
            .with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS, true);

    public static List<Map<String, Object>> read(Path path) throws IOException {
        List<String> lines = TextFiles.lines(path);
        List<Map<String, Object>> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            out.add(parseObject(path, i + 1, line));
        }
        return out;
    }

    /** Parses one line that must hold exactly one JSON object; {@code lineNo} (1-based) goes into errors. */
    static Map<String, Object> parseObject(Path path, int lineNo, String line) throws IOException {
        Object value;
        try (JsonParser p = READER.createParser(line)) {
            value = READER.anyFrom(p);
            if (p.nextToken() != null) {
                throw new IOException(path + ": line " + lineNo + ", column " + p.currentTokenLocation().getColumnNr()
                        + ": expected the end of the line after the JSON object, found more: '" + p.getText() + "'");
            }
        } catch (JacksonException e) {
            JsonLocation loc = e.getLocation();
            String col = loc == null ? "" : ", column " + loc.getColumnNr();
            throw new IOException(path + ": line " + lineNo + col + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(value instanceof Map<?, ?>)) {
            throw new IOException(path + ": line " + lineNo + ": expected a JSON object {...}, found "
                    + (value == null ? "null" : value instanceof List<?> ? "an array" : "a " + value.getClass().getSimpleName()));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) value;
        return m;
    }
}
