package dev.myelin.iot;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The JSON the bridge publishes. Times are echoed as the reading carried them (epoch milliseconds
 * when the bridge stamped them on receipt).
 * <pre>
 * prediction: {"device": "m1", "time": 1700000000123, "window_start": 1700000000000, "output": [0.93], "bridge": "b1"}
 * alert:      {"device": "m1", "rule": "anomaly", "time": ..., "score": 0.93, "op": "above", "threshold": 0.5,
 *              "consecutive": 3, "window": {"start": ..., "end": ..., "values": [[21.5, 40.1], ...]}, "bridge": "b1"}
 * error:      {"bridge": "b1", "topic": "sensors/m1/readings", "device": "m1", "reason": "...", "received_at": ...,
 *              "payload": "first 512 characters" | "payload_base64": "..."}
 * </pre>
 */
final class Messages {
    private Messages() {}

    private static final JsonFactory JSON = new JsonFactory();
    private static final int PAYLOAD_EXCERPT = 512;

    static byte[] prediction(String bridge, String device, double time, double windowStart, float[] output) {
        return write(g -> {
            g.writeStringField("device", device);
            time(g, "time", time);
            time(g, "window_start", windowStart);
            g.writeArrayFieldStart("output");
            for (float v : output) g.writeNumber(v);
            g.writeEndArray();
            g.writeStringField("bridge", bridge);
        });
    }

    static byte[] alert(String bridge, String device, AlertRule rule, float score, double time, double windowStart,
                        float[] window, int features) {
        return write(g -> {
            g.writeStringField("device", device);
            g.writeStringField("rule", rule.name());
            time(g, "time", time);
            g.writeNumberField("score", score);
            g.writeStringField("op", rule.op() == AlertRule.Op.ABOVE ? "above" : "below");
            g.writeNumberField("threshold", rule.threshold());
            g.writeNumberField("consecutive", rule.consecutive());
            g.writeObjectFieldStart("window");
            time(g, "start", windowStart);
            time(g, "end", time);
            g.writeArrayFieldStart("values");
            for (int r = 0; r < window.length / features; r++) {
                g.writeStartArray();
                for (int f = 0; f < features; f++) g.writeNumber(window[r * features + f]);
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeStringField("bridge", bridge);
        });
    }

    static byte[] error(String bridge, String topic, String device, String reason, byte[] payload) {
        return write(g -> {
            g.writeStringField("bridge", bridge);
            g.writeStringField("topic", topic);
            if (device == null) g.writeNullField("device");
            else g.writeStringField("device", device);
            g.writeStringField("reason", reason);
            g.writeNumberField("received_at", System.currentTimeMillis());
            if (payload != null) {
                String text = text(payload);
                if (text != null) g.writeStringField("payload", text.length() <= PAYLOAD_EXCERPT ? text : text.substring(0, PAYLOAD_EXCERPT) + "...");
                else g.writeStringField("payload_base64", Base64.getEncoder().encodeToString(
                        payload.length <= PAYLOAD_EXCERPT ? payload : java.util.Arrays.copyOf(payload, PAYLOAD_EXCERPT)));
            }
        });
    }

    /** A whole number as an integer, so epoch milliseconds read back exactly; otherwise a double. */
    private static void time(JsonGenerator g, String name, double t) throws IOException {
        if (t == Math.rint(t) && Math.abs(t) < 9.007199254740992E15) g.writeNumberField(name, (long) t);
        else g.writeNumberField(name, t);
    }

    /** The payload as text when it is printable UTF-8, else null. */
    private static String text(byte[] payload) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return null;
        }
        return s;
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toByteArray();
    }
}
