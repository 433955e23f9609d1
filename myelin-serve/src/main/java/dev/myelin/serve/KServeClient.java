package dev.myelin.serve;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small client for KServe v2 (Open Inference) REST servers: a Myelin {@link InferenceServer},
 * Triton, KServe, OpenVINO Model Server. Tensors go as JSON, or as binary tensor data (smaller
 * and faster for big tensors). Thread-safe; one client can serve many threads.
 *
 * <pre>{@code
 * try (KServeClient client = new KServeClient(URI.create("http://127.0.0.1:8000"))) {
 *     KServeClient.InferResult r = client.infer("mlp", List.of(InferTensor.fp32("input", features, 1, 4)));
 *     float[] probs = r.output("dense_1").floats();
 * }
 * }</pre>
 */
public final class KServeClient implements AutoCloseable {
    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /** A client without a token, with a 60 s timeout per request. */
    public KServeClient(URI base) {
        this(base, null, Duration.ofSeconds(60));
    }

    /** A client sending {@code Authorization: Bearer token} (null for none), each request bounded by {@code timeout}. */
    public KServeClient(URI base, String token, Duration timeout) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** An inference answer: which model version answered, the request id, and the outputs. */
    public record InferResult(String modelName, String modelVersion, String id, List<InferTensor> outputs) {
        public InferResult {
            outputs = List.copyOf(outputs);
        }

        /** The output with this name. */
        public InferTensor output(String name) {
            for (InferTensor t : outputs) if (t.name().equals(name)) return t;
            List<String> names = new ArrayList<>();
            for (InferTensor t : outputs) names.add(t.name());
            throw new IllegalArgumentException("no output '" + name + "'; the answer has " + names);
        }
    }

    // ------------------------------------------------------------------ health and metadata

    /** GET /v2/health/live: whether the server answers. */
    public boolean live() throws IOException, InterruptedException {
        return flag("/v2/health/live");
    }

    /** GET /v2/health/ready: whether the server is ready for inference. */
    public boolean ready() throws IOException, InterruptedException {
        return flag("/v2/health/ready");
    }

    /** Whether the model (its newest served version) is ready. */
    public boolean modelReady(String model) throws IOException, InterruptedException {
        return flag(modelPath(model, null) + "/ready");
    }

    /** Whether this version of the model is ready. */
    public boolean modelReady(String model, String version) throws IOException, InterruptedException {
        return flag(modelPath(model, version) + "/ready");
    }

    /** GET /v2: name, version and extensions of the server. */
    public Map<String, Object> serverMetadata() throws IOException, InterruptedException {
        return map(get("/v2"));
    }

    /** The model's metadata: name, versions, platform, inputs and outputs (name, datatype, shape). */
    public Map<String, Object> modelMetadata(String model) throws IOException, InterruptedException {
        return modelMetadata(model, null);
    }

    public Map<String, Object> modelMetadata(String model, String version) throws IOException, InterruptedException {
        return map(get(modelPath(model, version)));
    }

    // ------------------------------------------------------------------ inference

    /** Inference on the newest version with JSON tensors. */
    public InferResult infer(String model, List<InferTensor> inputs) throws IOException, InterruptedException {
        return infer(model, null, inputs, false);
    }

    /**
     * Inference on {@code version} (null: the newest served); with {@code binary} the inputs go
     * and the outputs come back as binary tensor data instead of JSON numbers.
     */
    public InferResult infer(String model, String version, List<InferTensor> inputs, boolean binary) throws IOException, InterruptedException {
        boolean[] flags = new boolean[inputs.size()];
        Arrays.fill(flags, binary);
        Map<String, Object> params = binary ? Map.of(Wire.BINARY_DATA_OUTPUT, true) : Map.of();
        Wire.Encoded enc = Wire.message(Map.of(), params, "inputs", inputs, flags, null, false);
        HttpRequest.Builder rb = request(modelPath(model, version) + "/infer")
                .header("Content-Type", enc.binary() ? "application/octet-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(enc.body()));
        if (enc.binary()) rb.header(Wire.HEADER_LENGTH, Integer.toString(enc.jsonLength()));
        HttpResponse<byte[]> resp = send(rb.build());
        check(resp);
        return result(resp);
    }

    /** Parses an inference answer: JSON, or JSON then binary tensor data. */
    static InferResult result(HttpResponse<byte[]> resp) throws IOException {
        byte[] body = resp.body();
        int jsonLength = resp.headers().firstValue(Wire.HEADER_LENGTH).map(Integer::parseInt).orElse(body.length);
        try {
            Wire.Message m = Wire.parse(body, jsonLength, true);
            List<InferTensor> outs = new ArrayList<>();
            for (Wire.RawTensor r : m.outputs) {
                Datatype dt = Datatype.parse(r.datatype);
                if (dt == null || !dt.supported() || r.shape == null) {
                    throw new IOException("output '" + r.name + "' has datatype " + r.datatype + " and shape " + Arrays.toString(r.shape)
                            + "; this client reads FP32, INT32, INT64 and BYTES tensors with a shape");
                }
                int count = (int) InferTensor.numel(r.shape);
                String what = "output '" + r.name + "'";
                outs.add(switch (dt) {
                    case FP32 -> InferTensor.fp32(r.name, Wire.floats(body, r, count, what), r.shape);
                    case BYTES -> new InferTensor(r.name, dt, r.shape, null, null, Wire.strings(body, r, count, what));
                    default -> new InferTensor(r.name, dt, r.shape, null, Wire.longs(body, r, dt, count, what));
                });
            }
            return new InferResult(m.modelName, m.modelVersion, m.id, outs);
        } catch (ServeException e) {
            throw new IOException("the server's answer is not a valid inference response: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ plumbing

    private static String modelPath(String model, String version) {
        String p = "/v2/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8);
        return version == null ? p : p + "/versions/" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b;
    }

    /**
     * Sends, and sends once more after an I/O error other than a timeout or a refused connection:
     * a kept-alive connection the server closed as idle just as the request went out fails that
     * way. Every call here is free of side effects (inference included), so the retry is safe.
     */
    private HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException | ConnectException e) {
            throw e;
        } catch (IOException e) {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = send(request(path).GET().build());
        check(r);
        return r;
    }

    /** 200 is true; 400 (the protocol's "4xx" for false) is false; anything else is an error. */
    private boolean flag(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = send(request(path).GET().build());
        if (r.statusCode() == 200) return true;
        if (r.statusCode() == 400) return false;
        check(r);
        return false;
    }

    private static void check(HttpResponse<byte[]> r) throws KServeException {
        if (r.statusCode() == 200) return;
        String message;
        try {
            Object err = JSON.std.mapFrom(r.body()).get("error");
            message = err != null ? err.toString() : new String(r.body(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            message = new String(r.body(), StandardCharsets.UTF_8);
        }
        int retry = 0;
        try {
            retry = Integer.parseInt(r.headers().firstValue("Retry-After").orElse("0").trim());
        } catch (NumberFormatException e) {
            // an HTTP date rather than seconds: leave it out
        }
        throw new KServeException(r.statusCode(), message, retry);
    }

    private static Map<String, Object> map(HttpResponse<byte[]> r) throws IOException {
        return new LinkedHashMap<>(JSON.std.mapFrom(r.body()));
    }

    @Override
    public void close() {
        http.close();
    }
}
