package dev.myelin.iot;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns payloads into {@link Reading}s, or says precisely why a payload is not one (a
 * {@link MalformedPayloadException} whose message goes to the bridge's error topic).
 *
 * <pre>{@code Reading r = Payloads.parser(PayloadFormat.json("t", "x", "y")).parse(bytes);}</pre>
 */
public final class Payloads {
    private Payloads() {}

    /** Payloads above this size are refused before parsing (a reading is a few numbers). */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;

    /** One reading: its feature values and its time (NaN when the payload carries none). */
    public record Reading(float[] values, double time) {}

    /** A payload that is not a reading in the configured format; the message says why. */
    public static final class MalformedPayloadException extends Exception {
        public MalformedPayloadException(String reason) {
            super(reason);
        }
    }

    /** Parses one format; thread-safe. */
    @FunctionalInterface
    public interface Parser {
        Reading parse(byte[] payload) throws MalformedPayloadException;
    }

    public static Parser parser(PayloadFormat format) {
        return switch (format) {
            case PayloadFormat.Json j -> new JsonParserImpl(j);
            case PayloadFormat.Csv c -> payload -> parseCsv(c, payload);
            case PayloadFormat.Float32 f -> payload -> parseFloat32(f, payload);
        };
    }

    // ------------------------------------------------------------------ JSON

    // The fast (and still correctly rounded) number parser: at tens of thousands of readings a second,
    // turning digits into floats is a good part of the intake thread's work.
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private static final class JsonParserImpl implements Parser {
        private final PayloadFormat.Json format;
        private final Map<String, Integer> index = new HashMap<>();

        JsonParserImpl(PayloadFormat.Json format) {
            this.format = format;
            for (int i = 0; i < format.fields().size(); i++) index.put(format.fields().get(i), i);
        }

        @Override
        public Reading parse(byte[] payload) throws MalformedPayloadException {
            checkSize(payload);
            List<String> fields = format.fields();
            float[] values = new float[fields.size()];
            boolean[] seen = new boolean[fields.size()];
            double time = Double.NaN;
            boolean timeSeen = false;
            try (JsonParser p = JSON.createParser(payload)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new MalformedPayloadException("expected a JSON object with the fields " + fields + ", found " + describe(p.currentToken()));
                }
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    Integer i = index.get(name);
                    if (i != null) {
                        if (seen[i]) throw new MalformedPayloadException("field '" + name + "' appears twice");
                        seen[i] = true;
                        if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
                            throw new MalformedPayloadException("field '" + name + "' must be a number, found " + describe(v));
                        }
                        values[i] = finite(p.getFloatValue(), "field '" + name + "'");
                    } else if (name.equals(format.timeField())) {
                        if (timeSeen) throw new MalformedPayloadException("the time field '" + name + "' appears twice");
                        timeSeen = true;
                        time = jsonTime(p, v, name);
                    } else {
                        p.skipChildren(); // other fields are allowed and ignored
                    }
                }
                if (t != JsonToken.END_OBJECT) throw new MalformedPayloadException("expected a field name or '}', found " + describe(t));
                if (p.nextToken() != null) throw new MalformedPayloadException("unexpected content after the JSON object");
            } catch (IOException e) {
                throw new MalformedPayloadException("not valid JSON: " + firstLine(e.getMessage()));
            }
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < seen.length; i++) if (!seen[i]) missing.add(fields.get(i));
            if (!missing.isEmpty()) throw new MalformedPayloadException("missing field" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing.stream().map(m -> "'" + m + "'").toList()));
            if (format.timeField() != null && !timeSeen) throw new MalformedPayloadException("missing the time field '" + format.timeField() + "'");
            return new Reading(values, time);
        }
    }

    private static double jsonTime(JsonParser p, JsonToken v, String name) throws IOException, MalformedPayloadException {
        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            if (!Double.isFinite(d)) throw new MalformedPayloadException("the time field '" + name + "' is not finite");
            return d;
        }
        if (v == JsonToken.VALUE_STRING) {
            String s = p.getText();
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new MalformedPayloadException("the time field '" + name + "' must be a number or an ISO-8601 instant (2024-05-01T12:00:00Z), found \"" + clip(s) + "\"");
            }
        }
        throw new MalformedPayloadException("the time field '" + name + "' must be a number or an ISO-8601 instant, found " + describe(v));
    }

    private static String describe(JsonToken t) {
        if (t == null) return "the end of the payload";
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
        };
    }

    // ------------------------------------------------------------------ CSV

    private static Reading parseCsv(PayloadFormat.Csv c, byte[] payload) throws MalformedPayloadException {
        checkSize(payload);
        String line = utf8(payload).strip();
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) throw new MalformedPayloadException("expected one CSV line, found several");
        if (line.isEmpty()) throw new MalformedPayloadException("empty payload, expected a CSV line");
        List<String> fields = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= line.length(); i++) {
            if (i == line.length() || line.charAt(i) == c.delimiter()) {
                fields.add(line.substring(start, i).strip());
                start = i + 1;
            }
        }
        int[] cols = c.columns();
        if (cols.length == 0) {
            int n = fields.size() - (c.timeColumn() >= 0 ? 1 : 0);
            cols = new int[n];
            for (int f = 0, k = 0; f < fields.size(); f++) if (f != c.timeColumn()) cols[k++] = f;
        }
        int needed = c.timeColumn();
        for (int col : cols) needed = Math.max(needed, col);
        if (fields.size() <= needed) {
            throw new MalformedPayloadException("expected at least " + (needed + 1) + " fields separated by '" + c.delimiter() + "', found " + fields.size());
        }
        float[] values = new float[cols.length];
        for (int k = 0; k < cols.length; k++) {
            double d = number(fields.get(cols[k]), "column " + cols[k]);
            values[k] = finite((float) d, "column " + cols[k]);
        }
        double time = c.timeColumn() >= 0 ? csvTime(fields.get(c.timeColumn()), c.timeColumn()) : Double.NaN;
        return new Reading(values, time);
    }

    private static double csvTime(String s, int column) throws MalformedPayloadException {
        if (!s.isEmpty() && (Character.isDigit(s.charAt(0)) || s.charAt(0) == '-' || s.charAt(0) == '+') && s.indexOf('T') < 0) {
            return number(s, "time column " + column);
        }
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new MalformedPayloadException("time column " + column + " must be a number or an ISO-8601 instant, found '" + clip(s) + "'");
        }
    }

    /** A decimal number ({@code -1.5}, {@code 2e-3}); stricter than {@link Double#parseDouble}, which also takes "1f", hex and "NaN". */
    private static double number(String s, String where) throws MalformedPayloadException {
        if (s.isEmpty()) throw new MalformedPayloadException(where + ": expected a number, found an empty field");
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (!(ch >= '0' && ch <= '9') && ch != '.' && ch != 'e' && ch != 'E' && ch != '-' && ch != '+') {
                throw new MalformedPayloadException(where + ": expected a number, found '" + clip(s) + "'");
            }
        }
        try {
            double d = Double.parseDouble(s);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new MalformedPayloadException(where + ": expected a number, found '" + clip(s) + "'");
        }
    }

    // ------------------------------------------------------------------ float32

    private static Reading parseFloat32(PayloadFormat.Float32 f, byte[] payload) throws MalformedPayloadException {
        int expected = f.features() * Float.BYTES + (f.timePrefix() ? Long.BYTES : 0);
        if (payload.length != expected) {
            throw new MalformedPayloadException("expected " + expected + " bytes (" + (f.timePrefix() ? "an int64 time and " : "")
                    + f.features() + " little-endian float32 values), found " + payload.length);
        }
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        double time = f.timePrefix() ? (double) b.getLong() : Double.NaN;
        float[] values = new float[f.features()];
        for (int i = 0; i < values.length; i++) values[i] = finite(b.getFloat(), "value " + i);
        return new Reading(values, time);
    }

    // ------------------------------------------------------------------ helpers

    private static float finite(float v, String what) throws MalformedPayloadException {
        if (!Float.isFinite(v)) throw new MalformedPayloadException(what + " is not a finite float32 (" + v + ")");
        return v;
    }

    private static void checkSize(byte[] payload) throws MalformedPayloadException {
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new MalformedPayloadException("payload of " + payload.length + " bytes, above the limit of " + MAX_PAYLOAD_BYTES);
        }
    }

    private static String utf8(byte[] payload) throws MalformedPayloadException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedPayloadException("the payload is not UTF-8 text");
        }
    }

    private static String clip(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
