package dev.myelin.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The KServe v2 JSON messages and the binary tensor data extension, for both ends: parses an
 * inference request or response with Jackson's streaming parser (a tensor's "data" array is only
 * located in the first pass, then read straight into a float[] or long[] once its datatype and
 * shape are known), and writes them.
 *
 * <p>Binary tensor data: the body is the JSON object, then each binary tensor's bytes in the
 * order the tensors appear in the JSON, little-endian, row-major, no padding; the JSON's length
 * in bytes travels in the {@value #HEADER_LENGTH} header and each binary tensor carries
 * {@code "parameters": {"binary_data_size": bytes}} instead of "data".
 */
final class Wire {
    private Wire() {}

    /** The header giving the JSON part's length when binary tensor data follows it. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    static final String BINARY_DATA_SIZE = "binary_data_size";
    static final String BINARY_DATA = "binary_data";
    static final String BINARY_DATA_OUTPUT = "binary_data_output";
    static final int MAX_RANK = 32;

    // The buffer recycler pool is shared rather than per thread (Jackson's default): requests run on
    // virtual threads, one per request, where a per-thread pool would allocate fresh buffers each time.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
            .build();

    /** One tensor object of a message: for a request's "outputs", only the name and parameters. */
    static final class RawTensor {
        String name;
        int[] shape;
        String datatype;
        Map<String, Object> parameters = Map.of();
        /** The "data" array's bytes in the body, [dataStart, dataEnd); -1 when absent. */
        int dataStart = -1, dataEnd = -1;
        /** Where this tensor's binary data starts in the body, and its length; -1 when not binary. */
        int binaryOffset = -1;
        long binarySize = -1;

        boolean hasData() {
            return dataStart >= 0;
        }

        boolean isBinary() {
            return binarySize >= 0;
        }
    }

    /** A parsed message: the fields of a request, a response or an error. */
    static final class Message {
        String id, modelName, modelVersion, error;
        Map<String, Object> parameters = Map.of();
        List<RawTensor> inputs = List.of(), outputs = List.of();
    }

    /** A body ready to send: JSON, then binary tensor data when {@code jsonLength >= 0}. */
    record Encoded(byte[] body, int jsonLength) {
        boolean binary() {
            return jsonLength >= 0;
        }
    }

    // ------------------------------------------------------------------ parsing

    /**
     * Parses a message whose JSON is {@code body[0, jsonLength)}; the rest of the body is binary
     * tensor data, handed to the tensors with a "binary_data_size" in order ({@code tensors} is
     * "inputs" for a request, "outputs" for a response).
     */
    static Message parse(byte[] body, int jsonLength, boolean tensorsAreOutputs) {
        if (jsonLength < 0 || jsonLength > body.length) {
            throw ServeException.badRequest("the " + HEADER_LENGTH + " header says " + jsonLength + " bytes of JSON, but the body has "
                    + body.length + " bytes; expected a value from 0 to the body length");
        }
        Message m = new Message();
        boolean objectDone = false;
        try (JsonParser p = FACTORY.createParser(body, 0, jsonLength)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) throw ServeException.badRequest("the body must be a JSON object, got " + describe(t));
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "id" -> m.id = scalarText(p, v, "id");
                    case "model_name" -> m.modelName = scalarText(p, v, "model_name");
                    case "model_version" -> m.modelVersion = scalarText(p, v, "model_version");
                    case "error" -> m.error = scalarText(p, v, "error");
                    case "parameters" -> m.parameters = parameters(p, v, "the request parameters");
                    case "inputs" -> m.inputs = tensors(p, v, "inputs");
                    case "outputs" -> m.outputs = tensors(p, v, "outputs");
                    default -> p.skipChildren();   // fields of later protocol versions or extensions
                }
            }
            objectDone = true;
            if (p.nextToken() != null) throw trailing();
        } catch (JsonProcessingException e) {
            if (objectDone) throw trailing();
            throw ServeException.badRequest("malformed JSON at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                    + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from memory failed: " + e.getMessage(), e);
        }
        attachBinary(tensorsAreOutputs ? m.outputs : m.inputs, body, jsonLength);
        return m;
    }

    private static ServeException trailing() {
        return ServeException.badRequest("unexpected content after the JSON object; to send binary tensor data, give the JSON's length in bytes in the "
                + HEADER_LENGTH + " header");
    }

    private static void attachBinary(List<RawTensor> tensors, byte[] body, int jsonLength) {
        long offset = jsonLength;
        for (RawTensor t : tensors) {
            Object size = t.parameters.get(BINARY_DATA_SIZE);
            if (size == null) continue;
            if (!(size instanceof Long n) || n < 0) {
                throw ServeException.badRequest("tensor '" + t.name + "': parameter " + BINARY_DATA_SIZE + " must be a whole number of bytes >= 0, got " + size);
            }
            if (t.hasData()) {
                throw ServeException.badRequest("tensor '" + t.name + "' has both \"data\" and a " + BINARY_DATA_SIZE + "; send its values one way only");
            }
            if (offset + n > body.length) {
                throw ServeException.badRequest("truncated binary data: tensor '" + t.name + "' needs " + n + " bytes at byte " + (offset - jsonLength)
                        + " of the binary part, but the binary part has only " + (body.length - jsonLength) + " bytes");
            }
            t.binaryOffset = (int) offset;
            t.binarySize = n;
            offset += n;
        }
        if (offset != body.length) {
            throw ServeException.badRequest((body.length - offset) + " bytes after the JSON are not claimed by any tensor's " + BINARY_DATA_SIZE
                    + " (the binary part has " + (body.length - jsonLength) + " bytes, the tensors claim " + (offset - jsonLength) + ")");
        }
    }

    private static List<RawTensor> tensors(JsonParser p, JsonToken t, String what) throws IOException {
        if (t != JsonToken.START_ARRAY) throw ServeException.badRequest("\"" + what + "\" must be an array of tensor objects, got " + describe(t));
        List<RawTensor> out = new ArrayList<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) throw ServeException.badRequest("\"" + what + "\" must hold tensor objects, got " + describe(t));
            out.add(tensor(p, what + "[" + out.size() + "]"));
        }
        return out;
    }

    private static RawTensor tensor(JsonParser p, String what) throws IOException {
        RawTensor r = new RawTensor();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "name" -> r.name = text(p, v, what + ".name");
                case "datatype" -> r.datatype = text(p, v, what + ".datatype");
                case "shape" -> r.shape = shape(p, v, what + ".shape");
                case "parameters" -> r.parameters = parameters(p, v, what + ".parameters");
                case "data" -> {
                    if (v != JsonToken.START_ARRAY) throw ServeException.badRequest(what + ".data must be an array of numbers, got " + describe(v));
                    r.dataStart = (int) p.currentTokenLocation().getByteOffset();
                    p.skipChildren();
                    r.dataEnd = (int) p.currentTokenLocation().getByteOffset() + 1;
                }
                default -> p.skipChildren();
            }
        }
        if (r.name == null) throw ServeException.badRequest(what + " has no \"name\"");
        return r;
    }

    private static int[] shape(JsonParser p, JsonToken t, String what) throws IOException {
        if (t != JsonToken.START_ARRAY) throw ServeException.badRequest(what + " must be an array of sizes, got " + describe(t));
        List<Integer> dims = new ArrayList<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0 || p.getLongValue() > Integer.MAX_VALUE) {
                throw ServeException.badRequest(what + " must hold whole numbers from 0 to " + Integer.MAX_VALUE + ", got " + p.getText());
            }
            if (dims.size() == MAX_RANK) throw ServeException.badRequest(what + " has more than " + MAX_RANK + " dimensions");
            dims.add(p.getIntValue());
        }
        int[] s = new int[dims.size()];
        for (int i = 0; i < s.length; i++) s[i] = dims.get(i);
        return s;
    }

    /** A parameters object: strings, booleans, whole numbers (Long) and other numbers (Double); nested values are skipped. */
    private static Map<String, Object> parameters(JsonParser p, JsonToken t, String what) throws IOException {
        if (t == JsonToken.VALUE_NULL) return Map.of();
        if (t != JsonToken.START_OBJECT) throw ServeException.badRequest(what + " must be a JSON object, got " + describe(t));
        Map<String, Object> out = new LinkedHashMap<>();
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            switch (v) {
                case VALUE_STRING -> out.put(key, p.getText());
                case VALUE_TRUE, VALUE_FALSE -> out.put(key, v == JsonToken.VALUE_TRUE);
                case VALUE_NUMBER_INT -> {
                    // not a ternary: that would promote the long to double
                    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) out.put(key, p.getDoubleValue());
                    else out.put(key, p.getLongValue());
                }
                case VALUE_NUMBER_FLOAT -> out.put(key, p.getDoubleValue());
                default -> p.skipChildren();
            }
        }
        return out;
    }

    private static String text(JsonParser p, JsonToken t, String what) throws IOException {
        if (t != JsonToken.VALUE_STRING) throw ServeException.badRequest(what + " must be a string, got " + describe(t));
        return p.getText();
    }

    /** A string, or a number given where a string is expected (an "id" of 7). */
    private static String scalarText(JsonParser p, JsonToken t, String what) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return p.getText();
        throw ServeException.badRequest("\"" + what + "\" must be a string, got " + describe(t));
    }

    private static String describe(JsonToken t) {
        if (t == null) return "nothing";
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    // ------------------------------------------------------------------ values

    /** The tensor's {@code count} values as floats, from its "data" array or its binary data (FP32). */
    static float[] floats(byte[] body, RawTensor t, int count, String what) {
        float[] out = new float[count];
        if (t.isBinary()) {
            checkBinarySize(t, count, 4, what);
            ByteBuffer.wrap(body, t.binaryOffset, (int) t.binarySize).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
        int i = 0;
        try (JsonParser p = dataParser(body, t, what)) {
            int depth = 0;
            JsonToken tok;
            while ((tok = p.nextToken()) != null) {
                switch (tok) {
                    case START_ARRAY -> depth++;
                    case END_ARRAY -> depth--;
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                        if (i == count) throw tooMany(what, t, count);
                        out[i++] = p.getFloatValue();
                    }
                    default -> throw ServeException.badRequest(what + ": data must hold only numbers for " + t.datatype + ", got " + describe(tok)
                            + " after " + i + " values");
                }
                if (depth == 0) break;
            }
        } catch (JsonProcessingException e) {
            throw ServeException.badRequest(what + ": malformed data: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (i != count) throw tooFew(what, t, i, count);
        return out;
    }

    /** The tensor's {@code count} values as longs (INT32 or INT64), from "data" or binary data. */
    static long[] longs(byte[] body, RawTensor t, Datatype type, int count, String what) {
        long[] out = new long[count];
        if (t.isBinary()) {
            checkBinarySize(t, count, type.byteSize(), what);
            ByteBuffer b = ByteBuffer.wrap(body, t.binaryOffset, (int) t.binarySize).order(ByteOrder.LITTLE_ENDIAN);
            if (type == Datatype.INT64) {
                b.asLongBuffer().get(out);
            } else {
                for (int i = 0; i < count; i++) out[i] = b.getInt(t.binaryOffset + 4 * i);
            }
            return out;
        }
        int i = 0;
        try (JsonParser p = dataParser(body, t, what)) {
            int depth = 0;
            JsonToken tok;
            while ((tok = p.nextToken()) != null) {
                switch (tok) {
                    case START_ARRAY -> depth++;
                    case END_ARRAY -> depth--;
                    case VALUE_NUMBER_INT -> {
                        if (i == count) throw tooMany(what, t, count);
                        boolean fits = p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
                        long v = fits ? p.getLongValue() : 0;
                        if (!fits || (type == Datatype.INT32 && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE))) {
                            throw ServeException.badRequest(what + ": " + p.getText() + " at position " + i + " does not fit in " + type);
                        }
                        out[i++] = v;
                    }
                    case VALUE_NUMBER_FLOAT -> throw ServeException.badRequest(what + ": " + type + " data must be whole numbers, got " + p.getText()
                            + " at position " + i);
                    default -> throw ServeException.badRequest(what + ": data must hold only whole numbers for " + type + ", got " + describe(tok)
                            + " after " + i + " values");
                }
                if (depth == 0) break;
            }
        } catch (JsonProcessingException e) {
            throw ServeException.badRequest(what + ": malformed data: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (i != count) throw tooFew(what, t, i, count);
        return out;
    }

    /**
     * The tensor's {@code count} BYTES elements: JSON strings in "data" (UTF-8), or binary data
     * where each element is a 4-byte little-endian length and that many bytes.
     */
    static byte[][] strings(byte[] body, RawTensor t, int count, String what) {
        byte[][] out = new byte[count][];
        if (t.isBinary()) {
            ByteBuffer b = ByteBuffer.wrap(body, t.binaryOffset, (int) t.binarySize).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                if (b.remaining() < 4) throw ServeException.badRequest(what + ": the binary BYTES data ends before element " + i + " of " + count);
                int n = b.getInt();
                if (n < 0 || n > b.remaining()) {
                    throw ServeException.badRequest(what + ": BYTES element " + i + " claims " + (n & 0xFFFFFFFFL) + " bytes, but only " + b.remaining() + " are left");
                }
                out[i] = new byte[n];
                b.get(out[i]);
            }
            if (b.hasRemaining()) throw ServeException.badRequest(what + ": " + b.remaining() + " bytes are left after the " + count + " BYTES elements");
            return out;
        }
        int i = 0;
        try (JsonParser p = dataParser(body, t, what)) {
            int depth = 0;
            JsonToken tok;
            while ((tok = p.nextToken()) != null) {
                switch (tok) {
                    case START_ARRAY -> depth++;
                    case END_ARRAY -> depth--;
                    case VALUE_STRING -> {
                        if (i == count) throw tooMany(what, t, count);
                        out[i++] = p.getText().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    }
                    default -> throw ServeException.badRequest(what + ": BYTES data must hold only strings, got " + describe(tok) + " after " + i + " values");
                }
                if (depth == 0) break;
            }
        } catch (JsonProcessingException e) {
            throw ServeException.badRequest(what + ": malformed data: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (i != count) throw tooFew(what, t, i, count);
        return out;
    }

    private static JsonParser dataParser(byte[] body, RawTensor t, String what) throws IOException {
        if (!t.hasData()) throw ServeException.badRequest(what + " has neither \"data\" nor a " + BINARY_DATA_SIZE + " parameter");
        return FACTORY.createParser(body, t.dataStart, t.dataEnd - t.dataStart);
    }

    private static void checkBinarySize(RawTensor t, int count, int elementBytes, String what) {
        long expected = (long) count * elementBytes;
        if (t.binarySize != expected) {
            throw ServeException.badRequest(what + ": " + BINARY_DATA_SIZE + " is " + t.binarySize + " bytes, but shape " + Arrays.toString(t.shape)
                    + " of " + t.datatype + " needs " + expected + " (" + count + " x " + elementBytes + ")");
        }
    }

    private static ServeException tooMany(String what, RawTensor t, int count) {
        return ServeException.badRequest(what + ": data has more than the " + count + " values of shape " + Arrays.toString(t.shape));
    }

    private static ServeException tooFew(String what, RawTensor t, int got, int count) {
        return ServeException.badRequest(what + ": data has " + got + " values, but shape " + Arrays.toString(t.shape) + " needs " + count);
    }

    // ------------------------------------------------------------------ writing

    /** {"error": message}. */
    static byte[] error(String message) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        });
    }

    /** A JSON document written by {@code body}. */
    static byte[] json(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /**
     * An inference request (client side) or response (server side): the header fields, then
     * {@code tensorsField} ("inputs" or "outputs") with each tensor as JSON data, or as binary
     * data after the JSON where {@code binary[i]}. {@code requested} adds a request's "outputs"
     * (names, each asking for binary data when {@code binaryOutputs}); null for none.
     */
    static Encoded message(Map<String, String> header, Map<String, Object> parameters, String tensorsField, List<InferTensor> tensors,
                           boolean[] binary, List<String> requested, boolean binaryOutputs) {
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        byte[] json = json(g -> {
            g.writeStartObject();
            for (var e : header.entrySet()) if (e.getValue() != null) g.writeStringField(e.getKey(), e.getValue());
            if (parameters != null && !parameters.isEmpty()) {
                g.writeObjectFieldStart("parameters");
                for (var e : parameters.entrySet()) writeScalar(g, e.getKey(), e.getValue());
                g.writeEndObject();
            }
            g.writeArrayFieldStart(tensorsField);
            for (int i = 0; i < tensors.size(); i++) writeTensor(g, tensors.get(i), binary[i], bin);
            g.writeEndArray();
            if (requested != null) {
                g.writeArrayFieldStart("outputs");
                for (String name : requested) {
                    g.writeStartObject();
                    g.writeStringField("name", name);
                    g.writeObjectFieldStart("parameters");
                    g.writeBooleanField(BINARY_DATA, binaryOutputs);
                    g.writeEndObject();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        });
        if (bin.size() == 0 && !anyTrue(binary)) return new Encoded(json, -1);
        byte[] body = Arrays.copyOf(json, json.length + bin.size());
        System.arraycopy(bin.toByteArray(), 0, body, json.length, bin.size());
        return new Encoded(body, json.length);
    }

    private static boolean anyTrue(boolean[] b) {
        for (boolean x : b) if (x) return true;
        return false;
    }

    private static void writeScalar(JsonGenerator g, String key, Object v) throws IOException {
        switch (v) {
            case Boolean b -> g.writeBooleanField(key, b);
            case Integer n -> g.writeNumberField(key, n);
            case Long n -> g.writeNumberField(key, n);
            case Number n -> g.writeNumberField(key, n.doubleValue());
            default -> g.writeStringField(key, String.valueOf(v));
        }
    }

    private static void writeTensor(JsonGenerator g, InferTensor t, boolean binary, ByteArrayOutputStream bin) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", t.name());
        g.writeStringField("datatype", t.datatype().name());
        g.writeArrayFieldStart("shape");
        for (int d : t.shape()) g.writeNumber(d);
        g.writeEndArray();
        if (binary) {
            byte[] bytes = littleEndian(t);
            g.writeObjectFieldStart("parameters");
            g.writeNumberField(BINARY_DATA_SIZE, bytes.length);
            g.writeEndObject();
            bin.writeBytes(bytes);
        } else {
            g.writeArrayFieldStart("data");
            if (t.floats() != null) {
                for (float v : t.floats()) g.writeNumber(v);
            } else if (t.bytes() != null) {
                for (String v : t.strings()) g.writeString(v);
            } else {
                for (long v : t.longs()) g.writeNumber(v);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** The values in the binary tensor data layout: little-endian, row-major, the datatype's own size. */
    static byte[] littleEndian(InferTensor t) {
        ByteBuffer b = ByteBuffer.allocate((int) t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.datatype()) {
            case FP32 -> b.asFloatBuffer().put(t.floats());
            case INT64 -> b.asLongBuffer().put(t.longs());
            case INT32 -> {
                for (long v : t.longs()) b.putInt((int) v);
            }
            case BYTES -> {
                for (byte[] v : t.bytes()) b.putInt(v.length).put(v);
            }
            default -> throw new IllegalStateException("no binary layout for " + t.datatype());
        }
        return b.array();
    }
}
