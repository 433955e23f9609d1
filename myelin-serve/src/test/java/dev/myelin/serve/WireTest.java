package dev.myelin.serve;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.myelin.serve.ServeTestSupport.utf8;
import static org.junit.jupiter.api.Assertions.*;

/** The protocol codec alone: both ends' messages round-trip, and bad ones say what is wrong. */
class WireTest {
    @Test
    void requestRoundTripsAsJsonAndAsBinary() {
        InferTensor x = InferTensor.fp32("x", new float[]{1.5f, -2, 3e-8f, Float.MAX_VALUE, 0, 7}, 2, 3);
        InferTensor ids = InferTensor.int64("ids", new long[]{1, Long.MAX_VALUE, -3, 0}, 2, 2);
        InferTensor small = InferTensor.int32("small", new int[]{Integer.MIN_VALUE, 5}, 2, 1);
        for (boolean binary : new boolean[]{false, true}) {
            boolean[] flags = {binary, binary, binary};
            Wire.Encoded enc = Wire.message(Map.of("id", "r1"), Map.of("binary_data_output", binary), "inputs", List.of(x, ids, small),
                    flags, List.of("out"), binary);
            assertEquals(binary, enc.binary());
            Wire.Message m = Wire.parse(enc.body(), binary ? enc.jsonLength() : enc.body().length, false);
            assertEquals("r1", m.id);
            assertEquals(binary, m.parameters.get("binary_data_output"));
            assertEquals(3, m.inputs.size());
            assertArrayEquals(x.floats(), Wire.floats(enc.body(), m.inputs.get(0), 6, "x"));
            assertArrayEquals(ids.longs(), Wire.longs(enc.body(), m.inputs.get(1), Datatype.INT64, 4, "ids"));
            assertArrayEquals(small.longs(), Wire.longs(enc.body(), m.inputs.get(2), Datatype.INT32, 2, "small"));
            assertArrayEquals(new int[]{2, 3}, m.inputs.getFirst().shape);
            assertEquals("out", m.outputs.getFirst().name);
            assertEquals(binary, m.outputs.getFirst().parameters.get("binary_data"));
        }
    }

    @Test
    void nestedDataUnknownFieldsAndNumbersAsIntegers() {
        String json = "{\"future_field\": {\"a\": [1, 2]}, \"inputs\": [{\"name\": \"x\", \"shape\": [2, 2], \"datatype\": \"FP32\", "
                + "\"data\": [[1, 2.5], [3, -4e2]], \"extra\": null}]}";
        byte[] body = utf8(json);
        Wire.Message m = Wire.parse(body, body.length, false);
        assertArrayEquals(new float[]{1, 2.5f, 3, -400}, Wire.floats(body, m.inputs.getFirst(), 4, "x"));
    }

    @Test
    void badMessagesSayWhatIsWrong() {
        assertBad("{\"inputs\": 5}", "must be an array of tensor objects");
        assertBad("{\"inputs\": [{\"shape\": [1]}]}", "has no \"name\"");
        assertBad("{\"inputs\": [{\"name\": \"x\", \"shape\": [1, -2]}]}", "whole numbers from 0");
        assertBad("{\"inputs\": [{\"name\": \"x\", \"data\": 3}]}", "must be an array of numbers");
        assertBad("{\"id\": \"a\", \"id\": \"b\"}", "Duplicate field");
        assertBad("{\"inputs\": []} {}", "unexpected content after the JSON object");
        assertBad("", "must be a JSON object");
        assertBad("{\"inputs\": [{\"name\": \"x\", \"data\": [1], \"parameters\": {\"binary_data_size\": 4}}]}", "both \"data\" and a binary_data_size");
        byte[] body = utf8("{\"inputs\": [{\"name\": \"x\", \"shape\": [3], \"datatype\": \"INT32\", \"data\": [1, 2, 3000000000]}]}");
        Wire.Message m = Wire.parse(body, body.length, false);
        ServeException e = assertThrows(ServeException.class, () -> Wire.longs(body, m.inputs.getFirst(), Datatype.INT32, 3, "input 'x'"));
        assertTrue(e.getMessage().contains("does not fit in INT32"), e.getMessage());
        ServeException more = assertThrows(ServeException.class, () -> Wire.longs(body, m.inputs.getFirst(), Datatype.INT64, 2, "input 'x'"));
        assertTrue(more.getMessage().contains("more than the 2 values"), more.getMessage());
    }

    @Test
    void responseWithBinaryAndJsonOutputs() {
        InferTensor a = InferTensor.fp32("a", new float[]{1, 2}, 1, 2), b = InferTensor.int64("b", new long[]{9}, 1, 1);
        Map<String, String> header = new LinkedHashMap<>();
        header.put("model_name", "m");
        header.put("model_version", "3");
        Wire.Encoded enc = Wire.message(header, null, "outputs", List.of(a, b), new boolean[]{true, false}, null, false);
        Wire.Message m = Wire.parse(enc.body(), enc.jsonLength(), true);
        assertEquals("m", m.modelName);
        assertEquals("3", m.modelVersion);
        assertTrue(m.outputs.get(0).isBinary());
        assertFalse(m.outputs.get(1).isBinary());
        assertArrayEquals(new float[]{1, 2}, Wire.floats(enc.body(), m.outputs.get(0), 2, "a"));
        assertArrayEquals(new long[]{9}, Wire.longs(enc.body(), m.outputs.get(1), Datatype.INT64, 1, "b"));
    }

    private static void assertBad(String json, String fragment) {
        byte[] body = utf8(json);
        ServeException e = assertThrows(ServeException.class, () -> Wire.parse(body, body.length, false));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' not in: " + e.getMessage());
    }
}
