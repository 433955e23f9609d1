package dev.myelin.iot;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PayloadsTest {
    private static Payloads.Reading parse(PayloadFormat f, String s) throws Payloads.MalformedPayloadException {
        return Payloads.parser(f).parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String reason(PayloadFormat f, String s) {
        return assertThrows(Payloads.MalformedPayloadException.class, () -> parse(f, s)).getMessage();
    }

    @Test
    void jsonTakesNamedFieldsInOrderAndIgnoresOthers() throws Exception {
        PayloadFormat f = PayloadFormat.json("t", "humidity", "temperature");
        Payloads.Reading r = parse(f, "{\"temperature\": 21.5, \"site\": {\"x\": [1, 2]}, \"t\": 1700000000123, \"humidity\": 40}");
        assertArrayEquals(new float[]{40f, 21.5f}, r.values());
        assertEquals(1700000000123.0, r.time());
        assertEquals(1714564800000.0, parse(f, "{\"t\": \"2024-05-01T12:00:00Z\", \"humidity\": 1, \"temperature\": 2}").time());
        assertTrue(Double.isNaN(parse(PayloadFormat.json(null, "humidity", "temperature"), "{\"humidity\": 1, \"temperature\": 2}").time()));
    }

    @Test
    void jsonSaysWhatIsWrong() {
        PayloadFormat f = PayloadFormat.json("t", "a", "b");
        assertEquals("missing field 'b'", reason(f, "{\"t\": 1, \"a\": 2}"));
        assertEquals("field 'a' must be a number, found a string", reason(f, "{\"t\": 1, \"a\": \"2\", \"b\": 3}"));
        assertEquals("field 'a' appears twice", reason(f, "{\"t\": 1, \"a\": 2, \"a\": 2, \"b\": 3}"));
        assertEquals("missing the time field 't'", reason(f, "{\"a\": 2, \"b\": 3}"));
        assertTrue(reason(f, "{\"t\": 1, \"a\": 2,").startsWith("not valid JSON"));
        assertTrue(reason(f, "[1, 2]").startsWith("expected a JSON object"));
        assertTrue(reason(f, "{\"t\": \"yesterday\", \"a\": 2, \"b\": 3}").contains("ISO-8601"));
        assertEquals("field 'a' is not a finite float32 (Infinity)", reason(f, "{\"t\": 1, \"a\": 1e60, \"b\": 3}"));
        assertEquals("unexpected content after the JSON object", reason(f, "{\"t\": 1, \"a\": 2, \"b\": 3} {}"));
    }

    @Test
    void csvPicksColumnsAndTheTime() throws Exception {
        Payloads.Reading r = parse(PayloadFormat.csv(',', 0, 2, 1), "1000, 0.5 ,-2e-1\n");
        assertArrayEquals(new float[]{-0.2f, 0.5f}, r.values());
        assertEquals(1000.0, r.time());
        Payloads.Reading all = parse(PayloadFormat.csv(';', 1), "3;77;4;5");
        assertArrayEquals(new float[]{3f, 4f, 5f}, all.values());
        assertEquals(77.0, all.time());
        assertEquals("column 2: expected a number, found '0x1F'", reason(PayloadFormat.csv(',', 0, 1, 2), "1,2,0x1F"));
        assertEquals("column 1: expected a number, found an empty field", reason(PayloadFormat.csv(',', 0, 1, 2), "1,,3"));
        assertEquals("expected one CSV line, found several", reason(PayloadFormat.csv(',', -1), "1,2\n3,4"));
        assertEquals("column 1: expected a number, found 'NaN'", reason(PayloadFormat.csv(',', -1, 0, 1), "1,NaN"));
    }

    @Test
    void float32LittleEndianWithATimePrefix() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(42).putFloat(1.25f).putFloat(-3f);
        Payloads.Reading r = Payloads.parser(PayloadFormat.float32(2, true)).parse(b.array());
        assertArrayEquals(new float[]{1.25f, -3f}, r.values());
        assertEquals(42.0, r.time());
        var e = assertThrows(Payloads.MalformedPayloadException.class, () -> Payloads.parser(PayloadFormat.float32(3, false)).parse(new byte[8]));
        assertEquals("expected 12 bytes (3 little-endian float32 values), found 8", e.getMessage());
        ByteBuffer nan = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        assertThrows(Payloads.MalformedPayloadException.class, () -> Payloads.parser(PayloadFormat.float32(1, false)).parse(nan.array()));
    }
}
