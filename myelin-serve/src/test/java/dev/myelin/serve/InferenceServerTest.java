package dev.myelin.serve;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.myelin.nn.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Every endpoint of one server on a loopback port, JSON and binary, good input and bad. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class InferenceServerTest {
    Path repo;

    Model mlp, ids, pair, mlpV2;
    InferenceServer server;
    KServeClient client;
    HttpClient http;
    final Random random = new Random(7);

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        repo = dir;
        mlp = mlp(1);
        ids = ids(2);
        pair = pair(3);
        mlpV2 = mlp(4);
        save(mlp, repo, "mlp", 1);
        save(ids, repo, "ids", 3);
        save(pair, repo, "pair", 1);
        // two versions, both served: the newest by default, the older by explicit version
        save(mlp, repo, "versioned", 1);
        save(mlpV2, repo, "versioned", 2);
        config(repo, "versioned", "{\"version_policy\": {\"all\": true}}");
        // a file that is not a model: reported, marked not ready, the others serve
        Files.createDirectories(repo.resolve("broken/1"));
        Files.writeString(repo.resolve("broken/1/model.myelin"), "not a model file");
        // a request that waits in the queue longer than its timeout
        save(mlp, repo, "slow", 1);
        config(repo, "slow", "{\"max_queue_delay_ms\": 2000, \"max_batch_size\": 64, \"timeout_ms\": 100, \"early_dispatch\": false}");
        server = InferenceServer.builder(repo).port(0).maxBodyBytes(256 << 10).maxTensorElements(10_000)
                .pollInterval(Duration.ZERO).start();
        client = new KServeClient(server.uri());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    void stop() {
        if (client != null) client.close();
        if (http != null) http.close();
        if (server != null) server.stop();
    }

    // ------------------------------------------------------------------ health and metadata

    @Test
    void healthAndServerMetadata() throws Exception {
        assertTrue(client.live());
        // strict readiness: the broken model keeps the server from reporting ready
        HttpResponse<String> ready = raw(http, server.uri(), "GET", "/v2/health/ready", null);
        assertEquals(400, ready.statusCode());
        assertTrue(ready.body().contains("broken"), ready.body());
        Map<String, Object> meta = client.serverMetadata();
        assertEquals("myelin", meta.get("name"));
        assertNotNull(meta.get("version"));
        assertEquals(List.of("binary_tensor_data"), meta.get("extensions"));
    }

    @Test
    void modelMetadataGivesNamesDatatypesAndShapes() throws Exception {
        Map<String, Object> m = client.modelMetadata("mlp");
        assertEquals("mlp", m.get("name"));
        assertEquals(List.of("1"), m.get("versions"));
        List<?> inputs = (List<?>) m.get("inputs"), outputs = (List<?>) m.get("outputs");
        Map<?, ?> in = (Map<?, ?>) inputs.getFirst(), out = (Map<?, ?>) outputs.getFirst();
        assertEquals(inputName(mlp), in.get("name"));
        assertEquals("FP32", in.get("datatype"));
        assertEquals(List.of(-1, FEATURES), in.get("shape"));
        assertEquals(outputName(mlp), out.get("name"));
        assertEquals(List.of(-1, CLASSES), out.get("shape"));

        Map<?, ?> idsIn = (Map<?, ?>) ((List<?>) client.modelMetadata("ids").get("inputs")).getFirst();
        assertEquals("INT64", idsIn.get("datatype"), "an input feeding an Embedding takes ids");
        assertEquals(List.of(-1, SEQ), idsIn.get("shape"));

        Map<String, Object> v = client.modelMetadata("versioned", "1");
        assertEquals(List.of("1", "2"), v.get("versions"));
        List<?> pairIns = (List<?>) client.modelMetadata("pair").get("inputs");
        assertEquals(List.of("a", "b"), List.of(((Map<?, ?>) pairIns.get(0)).get("name"), ((Map<?, ?>) pairIns.get(1)).get("name")));
    }

    @Test
    void readinessPerModelAndRepositoryIndex() throws Exception {
        assertTrue(client.modelReady("mlp"));
        assertTrue(client.modelReady("versioned", "1"));
        assertFalse(client.modelReady("broken"));
        KServeException e = assertThrows(KServeException.class, () -> client.modelReady("nope"));
        assertEquals(404, e.status());

        HttpResponse<String> index = raw(http, server.uri(), "POST", "/v2/repository/index", null);
        assertEquals(200, index.statusCode());
        List<Object> rows = JSON.std.listFrom(index.body());
        Map<?, ?> broken = null;
        for (Object o : rows) if ("broken".equals(((Map<?, ?>) o).get("name"))) broken = (Map<?, ?>) o;
        assertNotNull(broken, index.body());
        assertEquals("UNAVAILABLE", broken.get("state"));
        assertTrue(String.valueOf(broken.get("reason")).contains("failed to load"), String.valueOf(broken.get("reason")));

        KServeException inferBroken = assertThrows(KServeException.class,
                () -> client.infer("broken", List.of(InferTensor.fp32("x", new float[4], 1, 4))));
        assertEquals(503, inferBroken.status());
    }

    // ------------------------------------------------------------------ inference

    @Test
    void jsonAndBinaryAnswersEqualPredict() throws Exception {
        for (int rows : new int[]{1, 3, 7}) {
            float[] x = features(random, rows);
            float[] expected = predict(mlp, x, rows);
            for (boolean binary : new boolean[]{false, true}) {
                KServeClient.InferResult r = client.infer("mlp", null, List.of(InferTensor.fp32(inputName(mlp), x, rows, FEATURES)), binary);
                assertEquals("mlp", r.modelName());
                assertEquals("1", r.modelVersion());
                InferTensor out = r.output(outputName(mlp));
                assertArrayEquals(new int[]{rows, CLASSES}, out.shape());
                assertEquals(Datatype.FP32, out.datatype());
                assertClose(expected, out.floats());
            }
        }
    }

    @Test
    void idsAsInt64AndInt32() throws Exception {
        long[] tokens = {1, 5, 0, 19, 3, 7, 7, 2, 0, 11};
        float[] asFloats = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) asFloats[i] = tokens[i];
        float[] expected = predict(ids, asFloats, 2);
        String in = inputName(ids);
        for (boolean binary : new boolean[]{false, true}) {
            assertClose(expected, client.infer("ids", null, List.of(InferTensor.int64(in, tokens, 2, SEQ)), binary).outputs().getFirst().floats());
            int[] ints = new int[tokens.length];
            for (int i = 0; i < ints.length; i++) ints[i] = (int) tokens[i];
            assertClose(expected, client.infer("ids", null, List.of(InferTensor.int32(in, ints, 2, SEQ)), binary).outputs().getFirst().floats());
        }
        // FP32 is not an id type
        KServeException e = assertThrows(KServeException.class,
                () -> client.infer("ids", List.of(InferTensor.fp32(in, asFloats, 2, SEQ))));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("must be INT64"), e.getMessage());
        // an id outside the embedding: 400 for that request only
        long[] bad = tokens.clone();
        bad[3] = 99;
        KServeException range = assertThrows(KServeException.class, () -> client.infer("ids", List.of(InferTensor.int64(in, bad, 2, SEQ))));
        assertEquals(400, range.status());
    }

    @Test
    void twoInputsAndExplicitVersions() throws Exception {
        float[] a = {1, 2, 3, -1, 0.5f, 2}, b = {0.25f, -2, 3, 1};
        dev.myelin.core.Tensor ya = pair.predictAll(List.of(dev.myelin.core.Tensor.of(a, 2, 3), dev.myelin.core.Tensor.of(b, 2, 2)), 32).getFirst();
        KServeClient.InferResult r = client.infer("pair", null, List.of(InferTensor.fp32("b", b, 2, 2), InferTensor.fp32("a", a, 2, 3)), true);
        assertClose(ya.toFloatArray(), r.outputs().getFirst().floats());

        float[] x = features(random, 2);
        List<InferTensor> in = List.of(InferTensor.fp32(inputName(mlp), x, 2, FEATURES));
        assertEquals("2", client.infer("versioned", in).modelVersion());
        assertClose(predict(mlpV2, x, 2), client.infer("versioned", in).outputs().getFirst().floats());
        KServeClient.InferResult v1 = client.infer("versioned", "1", in, false);
        assertEquals("1", v1.modelVersion());
        assertClose(predict(mlp, x, 2), v1.outputs().getFirst().floats());
    }

    @Test
    void outputSelectionPerOutputBinaryAndId() throws Exception {
        float[] x = features(random, 2);
        String body = "{\"id\": \"req-42\", \"inputs\": [{\"name\": \"" + inputName(mlp) + "\", \"shape\": [2, 4], \"datatype\": \"FP32\", \"data\": "
                + nested(x) + "}], \"outputs\": [{\"name\": \"" + outputName(mlp) + "\", \"parameters\": {\"binary_data\": true}}]}";
        HttpResponse<byte[]> resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.uri() + "/v2/models/mlp/infer"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, resp.statusCode());
        int jsonLength = Integer.parseInt(resp.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        Map<String, Object> json = JSON.std.mapFrom(new String(resp.body(), 0, jsonLength, StandardCharsets.UTF_8));
        assertEquals("req-42", json.get("id"));
        Map<?, ?> out = (Map<?, ?>) ((List<?>) json.get("outputs")).getFirst();
        assertEquals(2 * CLASSES * 4, ((Number) ((Map<?, ?>) out.get("parameters")).get("binary_data_size")).intValue());
        float[] got = new float[2 * CLASSES];
        ByteBuffer.wrap(resp.body(), jsonLength, got.length * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        assertClose(predict(mlp, x, 2), got);
        // the parsed-nested data and the answer's row-major bytes agree with the client's reading too
        assertClose(got, KServeClient.result(resp).outputs().getFirst().floats());
    }

    @Test
    void timeoutGives504() throws Exception {
        KServeException e = assertThrows(KServeException.class,
                () -> client.infer("slow", List.of(InferTensor.fp32(inputName(mlp), features(random, 1), 1, FEATURES))));
        assertEquals(504, e.status());
        assertTrue(e.getMessage().contains("timeout_ms"), e.getMessage());
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badRequestsNameWhatWasWrong() throws Exception {
        String in = inputName(mlp);
        String good4 = "[1, 2, 3, 4]";
        expect(400, "malformed JSON", post("/v2/models/mlp/infer", "{\"inputs\": [ {\"name\": "));
        expect(400, "must be a JSON object", post("/v2/models/mlp/infer", "[1, 2]"));
        expect(400, "no \"inputs\"", post("/v2/models/mlp/infer", "{}"));
        expect(400, "unknown input 'nope'", post("/v2/models/mlp/infer", input("nope", "[1, 4]", "FP32", good4)));
        expect(400, "must be FP32, got INT64", post("/v2/models/mlp/infer", input(in, "[1, 4]", "INT64", good4)));
        expect(400, "'FLOAT' is not a protocol datatype", post("/v2/models/mlp/infer", input(in, "[1, 4]", "FLOAT", good4)));
        expect(400, "expected [-1, 4]", post("/v2/models/mlp/infer", input(in, "[1, 5]", "FP32", "[1, 2, 3, 4, 5]")));
        expect(400, "expected [-1, 4]", post("/v2/models/mlp/infer", input(in, "[4]", "FP32", good4)));
        expect(400, "needs 8", post("/v2/models/mlp/infer", input(in, "[2, 4]", "FP32", good4)));
        expect(400, "only numbers", post("/v2/models/mlp/infer", input(in, "[1, 4]", "FP32", "[1, 2, \"x\", 4]")));
        expect(400, "whole numbers", post("/v2/models/ids/infer", input(inputName(ids), "[1, 5]", "INT64", "[1, 2, 3.5, 4, 5]")));
        expect(400, "given twice", post("/v2/models/pair/infer",
                "{\"inputs\": [" + tensor("a", "[1, 3]", "FP32", "[1, 2, 3]") + ", " + tensor("a", "[1, 3]", "FP32", "[1, 2, 3]") + "]}"));
        expect(400, "missing input 'b'", post("/v2/models/pair/infer", input("a", "[1, 3]", "FP32", "[1, 2, 3]")));
        expect(400, "same batch size", post("/v2/models/pair/infer",
                "{\"inputs\": [" + tensor("a", "[1, 3]", "FP32", "[1, 2, 3]") + ", " + tensor("b", "[2, 2]", "FP32", "[1, 2, 3, 4]") + "]}"));
        expect(400, "unknown output", post("/v2/models/mlp/infer", "{\"inputs\": [" + tensor(in, "[1, 4]", "FP32", good4)
                + "], \"outputs\": [{\"name\": \"nope\"}]}"));
        expect(413, "max tensor elements", post("/v2/models/mlp/infer", input(in, "[3000, 4]", "FP32", good4)));
        expect(404, "unknown model 'nope'", post("/v2/models/nope/infer", input(in, "[1, 4]", "FP32", good4)));
        expect(404, "has no version 9", post("/v2/models/mlp/versions/9/infer", input(in, "[1, 4]", "FP32", good4)));
        expect(400, "positive whole number", post("/v2/models/mlp/versions/latest/infer", input(in, "[1, 4]", "FP32", good4)));
        expect(400, "invalid model name", raw(http, server.uri(), "GET", "/v2/models/.hidden", null));
        expect(404, "no endpoint", raw(http, server.uri(), "GET", "/v2/models/mlp/explain", null));
        expect(404, "no endpoint", raw(http, server.uri(), "GET", "/v1/models", null));
        HttpResponse<String> wrongMethod = raw(http, server.uri(), "GET", "/v2/models/mlp/infer", null);
        expect(405, "use POST", wrongMethod);
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(null));
    }

    @Test
    void binaryDataErrors() throws Exception {
        String in = inputName(mlp);
        String json = "{\"inputs\": [{\"name\": \"" + in + "\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": 16}}]}";
        byte[] head = utf8(json);
        byte[] full = new byte[head.length + 16];
        System.arraycopy(head, 0, full, 0, head.length);
        ByteBuffer.wrap(full, head.length, 16).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(new float[]{5, 4, 6, 5});
        // good
        HttpResponse<String> ok = raw(http, server.uri(), "POST", "/v2/models/mlp/infer", full, "Inference-Header-Content-Length", Integer.toString(head.length));
        assertEquals(200, ok.statusCode(), ok.body());
        assertClose(predict(mlp, new float[]{5, 4, 6, 5}, 1), floatsOf(ok.body()));
        // truncated: 10 of the 16 bytes
        byte[] cut = java.util.Arrays.copyOf(full, head.length + 10);
        expect(400, "truncated binary data", raw(http, server.uri(), "POST", "/v2/models/mlp/infer", cut,
                "Inference-Header-Content-Length", Integer.toString(head.length)));
        // bytes nobody claims
        byte[] extra = java.util.Arrays.copyOf(full, full.length + 3);
        expect(400, "not claimed", raw(http, server.uri(), "POST", "/v2/models/mlp/infer", extra,
                "Inference-Header-Content-Length", Integer.toString(head.length)));
        // binary data without the header
        expect(400, "Inference-Header-Content-Length", raw(http, server.uri(), "POST", "/v2/models/mlp/infer", full));
        // a header longer than the body
        expect(400, "Inference-Header-Content-Length", raw(http, server.uri(), "POST", "/v2/models/mlp/infer", full,
                "Inference-Header-Content-Length", "999999"));
        // a size that does not fit the shape
        byte[] wrongSize = utf8(json.replace("16}", "12}"));
        byte[] ws = java.util.Arrays.copyOf(wrongSize, wrongSize.length + 12);
        expect(400, "needs 16", raw(http, server.uri(), "POST", "/v2/models/mlp/infer", ws,
                "Inference-Header-Content-Length", Integer.toString(wrongSize.length)));
    }

    @Test
    void oversizedBodyGets413AndTheServerGoesOn() throws Exception {
        byte[] big = new byte[300 << 10];
        java.util.Arrays.fill(big, (byte) ' ');
        expect(413, "max body bytes", raw(http, server.uri(), "POST", "/v2/models/mlp/infer", big));
        assertGoodRequest();
    }

    @Test
    void metricsInPrometheusFormat() throws Exception {
        assertGoodRequest();
        HttpResponse<String> m = raw(http, server.uri(), "GET", "/metrics", null);
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String text = m.body();
        for (String name : List.of("myelin_serve_inference_requests_total{model=\"mlp\",version=\"1\"}",
                "myelin_serve_inference_request_seconds_bucket", "myelin_serve_inference_queue_seconds_bucket",
                "myelin_serve_inference_compute_seconds_bucket", "myelin_serve_inference_batch_size_bucket",
                "myelin_serve_inference_queue_depth{model=\"mlp\",version=\"1\"}", "myelin_serve_model_load_seconds_count",
                "outcome=\"failed\"", "myelin_serve_http_requests_total", "jvm_memory_used_bytes")) {
            assertTrue(text.contains(name), "missing " + name);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The name the model file gives a Sequential's input when it starts without an InputLayer. */
    static String inputName(Model m) {
        return "input";
    }

    static String outputName(Model m) {
        return m.layers().getLast().name();
    }

    private void assertGoodRequest() throws Exception {
        float[] x = features(random, 2);
        assertClose(predict(mlp, x, 2), client.infer("mlp", List.of(InferTensor.fp32(inputName(mlp), x, 2, FEATURES))).outputs().getFirst().floats());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return raw(http, server.uri(), "POST", path, utf8(body), "Content-Type", "application/json");
    }

    private static void expect(int status, String fragment, HttpResponse<String> r) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        Object error = JSON.std.mapFrom(r.body()).get("error");
        assertNotNull(error, r.body());
        assertTrue(error.toString().contains(fragment), "'" + fragment + "' not in: " + error);
    }

    private static String tensor(String name, String shape, String type, String data) {
        return "{\"name\": \"" + name + "\", \"shape\": " + shape + ", \"datatype\": \"" + type + "\", \"data\": " + data + "}";
    }

    private static String input(String name, String shape, String type, String data) {
        return "{\"inputs\": [" + tensor(name, shape, type, data) + "]}";
    }

    /** Rows as nested arrays, [[..4..], [..4..]], which the protocol allows too. */
    private static String nested(float[] x) {
        StringBuilder b = new StringBuilder("[");
        for (int r = 0; r < x.length / FEATURES; r++) {
            if (r > 0) b.append(", ");
            b.append('[');
            for (int c = 0; c < FEATURES; c++) b.append(c > 0 ? ", " : "").append(x[r * FEATURES + c]);
            b.append(']');
        }
        return b.append(']').toString();
    }

    private static float[] floatsOf(String json) throws IOException {
        List<?> data = (List<?>) ((Map<?, ?>) ((List<?>) JSON.std.mapFrom(json).get("outputs")).getFirst()).get("data");
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) data.get(i)).floatValue();
        return out;
    }
}
