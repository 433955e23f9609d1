package dev.myelin.serve;

import dev.myelin.data.text.TextPreprocessing;
import dev.myelin.nn.io.ModelFile;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP endpoints, a Jetty core handler run on virtual threads (so reading a body and waiting
 * for a batch simply block). The KServe v2 REST API:
 * <pre>
 * GET  /v2/health/live | /v2/health/ready                 200, or 400 when not ready (the protocol's "4xx")
 * GET  /v2                                               server metadata (name, version, extensions)
 * GET  /v2/models/{name}[/versions/{v}]                  model metadata: inputs, outputs, versions
 * GET  /v2/models/{name}[/versions/{v}]/ready            200, or 400 when not ready
 * POST /v2/models/{name}[/versions/{v}]/infer            inference, JSON or binary tensor data
 * GET|POST /v2/repository/index                          every version's state, as Triton's repository index
 * GET  /metrics                                          Prometheus text format
 * </pre>
 * Errors are {@code {"error": "..."}}: 400 bad input, 401 no or bad token, 404 unknown model or
 * version, 405 wrong method, 408 body too slow, 413 too large, 503 overloaded or not ready (with
 * Retry-After), 504 timeout.
 */
final class HttpApi extends Handler.Abstract {
    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());
    private static final String JSON = "application/json";
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    private final ServeOptions options;
    private final ModelRepository repository;
    private final ServeMetrics metrics;
    private final Semaphore inferSlots;
    private final byte[] token;
    private volatile boolean stopping;

    HttpApi(ServeOptions options, ModelRepository repository, ServeMetrics metrics) {
        this.options = options;
        this.repository = repository;
        this.metrics = metrics;
        this.inferSlots = new Semaphore(options.maxConcurrentRequests());
        this.token = options.token() == null ? null : ("Bearer " + options.token()).getBytes(StandardCharsets.UTF_8);
    }

    /** From now on the server reports not ready (shutdown has begun). */
    void stopping() {
        stopping = true;
    }

    /** An answer: status, content type, body, extra headers. */
    private record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Reply json(int status, byte[] body) {
            return new Reply(status, JSON, body, Map.of());
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long arrived = System.nanoTime();
        String path = request.getHttpURI().getDecodedPath();
        String method = request.getMethod();
        String endpoint = "other";
        Reply reply;
        try {
            List<String> seg = segments(path);
            endpoint = endpoint(seg);
            if (token != null && !endpoint.equals("health")) authorize(request);
            reply = route(request, method, seg, arrived);
        } catch (ServeException e) {
            reply = error(e);
            // An answer given before the body was read (busy, unknown model, not ready): read the
            // rest first (bounded), so closing the connection cannot reset it under the answer.
            if (e.status() != 408 && e.status() != 413) drainUnread(request);
        } catch (MethodNotAllowed e) {
            reply = new Reply(405, JSON, Wire.error(e.getMessage()), Map.of("Allow", e.allow));
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, method + " " + path + " failed", e);
            reply = Reply.json(500, Wire.error("internal error: " + e));
        }
        metrics.http(endpoint, reply.status);
        send(response, callback, reply);
        return true;
    }

    private static List<String> segments(String path) {
        List<String> seg = new ArrayList<>();
        if (path == null) return seg;
        for (String s : path.split("/")) if (!s.isEmpty()) seg.add(s);
        return seg;
    }

    /** A fixed label for the metrics (never a model name from the URL). */
    private static String endpoint(List<String> seg) {
        if (seg.size() == 1 && seg.getFirst().equals("metrics")) return "metrics";
        if (seg.isEmpty() || !seg.getFirst().equals("v2")) return "other";
        if (seg.size() == 1) return "server_metadata";
        return switch (seg.get(1)) {
            case "health" -> "health";
            case "repository" -> "repository";
            case "models" -> seg.getLast().equals("infer") ? "infer" : seg.getLast().equals("ready") ? "model_ready" : "model_metadata";
            default -> "other";
        };
    }

    private void authorize(Request request) {
        String given = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (given == null) throw new ServeException(401, "this server needs a bearer token: send the header 'Authorization: Bearer <token>'");
        if (!MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            throw new ServeException(401, "the bearer token is wrong; send 'Authorization: Bearer <token>' with the server's token");
        }
    }

    private Reply route(Request request, String method, List<String> seg, long arrived) {
        if (seg.size() == 1 && seg.getFirst().equals("metrics")) {
            requireMethod(method, "GET");
            return new Reply(200, PROMETHEUS, metrics.registry().scrape().getBytes(StandardCharsets.UTF_8), Map.of());
        }
        if (seg.isEmpty() || !seg.getFirst().equals("v2")) throw noEndpoint(method, seg);
        if (seg.size() == 1) {
            requireMethod(method, "GET");
            return Reply.json(200, Wire.json(g -> {
                g.writeStartObject();
                g.writeStringField("name", "myelin");
                g.writeStringField("version", ModelFile.myelinVersion());
                g.writeArrayFieldStart("extensions");
                g.writeString("binary_tensor_data");
                g.writeEndArray();
                g.writeEndObject();
            }));
        }
        switch (seg.get(1)) {
            case "health" -> {
                if (seg.size() != 3) throw noEndpoint(method, seg);
                requireMethod(method, "GET");
                return switch (seg.get(2)) {
                    case "live" -> flag("live", true, null);
                    case "ready" -> serverReady();
                    default -> throw noEndpoint(method, seg);
                };
            }
            case "repository" -> {
                if (seg.size() != 3 || !seg.get(2).equals("index")) throw noEndpoint(method, seg);
                requireMethod(method, "GET", "POST");
                return Reply.json(200, repositoryIndex());
            }
            case "models" -> {
                return model(request, method, seg, arrived);
            }
            default -> throw noEndpoint(method, seg);
        }
    }

    /** /v2/models/{name}[/versions/{v}][/ready | /infer]. */
    private Reply model(Request request, String method, List<String> seg, long arrived) {
        if (seg.size() < 3) throw noEndpoint(method, seg);
        String name = seg.get(2);
        if (!ModelRepository.validName(name)) {
            throw ServeException.badRequest("invalid model name '" + name + "'; names are letters, digits, '_', '.' and '-', not starting with '.', without '..'");
        }
        int next = 3;
        String version = null;
        if (seg.size() > 3 && seg.get(3).equals("versions")) {
            if (seg.size() < 5) throw noEndpoint(method, seg);
            version = seg.get(4);
            ModelRepository.parseVersion(version);
            next = 5;
        }
        String action = seg.size() > next ? seg.get(next) : null;
        if (seg.size() > next + 1) throw noEndpoint(method, seg);
        if (action == null) {
            requireMethod(method, "GET");
            return Reply.json(200, modelMetadata(name, version));
        }
        return switch (action) {
            case "ready" -> {
                requireMethod(method, "GET");
                yield modelReady(name, version);
            }
            case "infer" -> {
                requireMethod(method, "POST");
                yield infer(request, name, version, arrived);
            }
            default -> throw noEndpoint(method, seg);
        };
    }

    // ------------------------------------------------------------------ health and metadata

    private Reply serverReady() {
        if (stopping) return flag("ready", false, "the server is shutting down");
        if (!repository.scanned()) return flag("ready", false, "the model repository is still loading");
        if (options.strictReadiness() && !repository.allReady()) {
            List<String> waiting = new ArrayList<>();
            for (var e : repository.index().entrySet()) {
                boolean any = false;
                for (var v : e.getValue()) any |= v.state() == ModelRepository.State.READY;
                if (!any) waiting.add(e.getKey());
            }
            return flag("ready", false, "models without a ready version: " + waiting);
        }
        return flag("ready", true, null);
    }

    /** {"live": true} with 200, or {"ready": false, "error": why} with 400 (the protocol answers "false" with a 4xx). */
    private static Reply flag(String key, boolean value, String why) {
        return Reply.json(value ? 200 : 400, Wire.json(g -> {
            g.writeStartObject();
            g.writeBooleanField(key, value);
            if (why != null) g.writeStringField("error", why);
            g.writeEndObject();
        }));
    }

    private Reply modelReady(String name, String version) {
        try {
            ServedVersion sv = repository.peek(name, version);
            return Reply.json(200, Wire.json(g -> {
                g.writeStartObject();
                g.writeStringField("name", name);
                g.writeStringField("version", Long.toString(sv.version));
                g.writeBooleanField("ready", true);
                g.writeEndObject();
            }));
        } catch (ServeException e) {
            if (e.status() != 503) throw e;
            return Reply.json(400, Wire.json(g -> {
                g.writeStartObject();
                g.writeStringField("name", name);
                g.writeBooleanField("ready", false);
                g.writeStringField("error", e.getMessage());
                g.writeEndObject();
            }));
        }
    }

    private byte[] modelMetadata(String name, String version) {
        ServedVersion sv = repository.peek(name, version);
        ModelRepository.Snapshot snap = repository.snapshot(name);
        return Wire.json(g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeArrayFieldStart("versions");
            for (long v : snap.serving().keySet()) g.writeString(Long.toString(v));
            g.writeEndArray();
            g.writeStringField("platform", "myelin");
            for (String field : List.of("inputs", "outputs")) {
                g.writeArrayFieldStart(field);
                for (Signature.TensorSpec s : field.equals("inputs") ? sv.signature.inputs() : sv.signature.outputs()) {
                    TextPreprocessing text = field.equals("inputs") ? sv.text.get(s.name()) : null;
                    g.writeStartObject();
                    g.writeStringField("name", s.name());
                    // a text input is advertised as what clients send, raw texts; it takes the ids too
                    g.writeStringField("datatype", text != null ? "BYTES" : s.datatype().name());
                    g.writeArrayFieldStart("shape");
                    if (text != null) g.writeNumber(-1);
                    else for (int d : s.shape()) g.writeNumber(d);
                    g.writeEndArray();
                    if (text != null) {
                        g.writeObjectFieldStart("parameters");
                        g.writeStringField("preprocessing", text.describe());
                        g.writeStringField("ids_datatype", s.datatype().name());
                        g.writeArrayFieldStart("ids_shape");
                        for (int d : s.shape()) g.writeNumber(d);
                        g.writeEndArray();
                        g.writeEndObject();
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeObjectFieldStart("parameters");
            g.writeStringField("version", Long.toString(sv.version));
            g.writeNumberField("max_batch_size", sv.config.maxBatchSize());
            g.writeNumberField("max_queue_delay_ms", sv.config.maxQueueDelayMs());
            g.writeNumberField("max_queue_size", sv.config.maxQueueSize());
            g.writeNumberField("timeout_ms", sv.config.timeoutMs());
            g.writeNumberField("instance_count", sv.config.instanceCount());
            g.writeBooleanField("early_dispatch", sv.config.earlyDispatch());
            g.writeBooleanField("intra_op_parallel", sv.config.intraOpParallel());
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private byte[] repositoryIndex() {
        Map<String, List<ModelRepository.VersionStatus>> index = repository.index();
        return Wire.json(g -> {
            g.writeStartArray();
            for (var e : index.entrySet()) {
                for (ModelRepository.VersionStatus v : e.getValue()) {
                    g.writeStartObject();
                    g.writeStringField("name", e.getKey());
                    if (v.version() > 0) g.writeStringField("version", Long.toString(v.version()));
                    g.writeStringField("state", v.state().name());
                    if (v.reason() != null) g.writeStringField("reason", v.reason());
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
        });
    }

    // ------------------------------------------------------------------ inference

    private Reply infer(Request request, String name, String version, long arrived) {
        repository.snapshot(name);   // an unknown model gets its 404 before the body is read
        if (!inferSlots.tryAcquire()) {
            metrics.unresolvedFailure(name, 503);
            throw ServeException.unavailable("the server is busy: " + options.maxConcurrentRequests()
                    + " inference requests are in flight (max concurrent requests); retry later", 1);
        }
        try {
            ServedVersion sv;
            try {
                sv = repository.acquire(name, version);
            } catch (ServeException e) {
                if (repository.contains(name)) metrics.unresolvedFailure(name, e.status());
                throw e;
            }
            // Announced before the body is read: a batch of this version waits for this request
            // (up to max_queue_delay_ms) only while it is on its way (early dispatch).
            try (Batcher.Announcement coming = sv.batcher.announce()) {
                sv.batcher.meters().requests.increment();
                byte[] body = readBody(request);
                Wire.Message msg = Wire.parse(body, jsonLength(request, body.length), false);
                Reply r = run(sv, msg, body, coming);
                sv.batcher.meters().total.record(System.nanoTime() - arrived, TimeUnit.NANOSECONDS);
                return r;
            } catch (ServeException e) {
                sv.batcher.meters().failure(e.status());
                throw e;
            } finally {
                sv.release();
            }
        } finally {
            inferSlots.release();
        }
    }

    private static int jsonLength(Request request, int bodyLength) {
        String h = request.getHeaders().get(Wire.HEADER_LENGTH);
        if (h == null) return bodyLength;
        try {
            int n = Integer.parseInt(h.trim());
            if (n < 0 || n > bodyLength) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw ServeException.badRequest(Wire.HEADER_LENGTH + " must be the JSON part's length in bytes, from 0 to the body's " + bodyLength + ", got '" + h + "'");
        }
    }

    /** Checks the request against the signature, queues it, waits for its rows, and encodes the answer. */
    private Reply run(ServedVersion sv, Wire.Message msg, byte[] body, Batcher.Announcement coming) {
        List<InferTensor> inputs = bindInputs(sv, msg, body);
        List<Integer> outputs = new ArrayList<>();
        boolean[] binary = outputPlan(sv, msg, outputs);
        CompletableFuture<List<InferTensor>> future = coming.submitTensors(inputs);
        List<InferTensor> all;
        try {
            all = future.get(sv.config.timeoutMs(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.completeExceptionally(e);   // the batcher drops it if it has not started
            throw new ServeException(504, sv + " did not answer within " + sv.config.timeoutMs() + " ms (timeout_ms)", 0, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ServeException se) throw se;
            throw new ServeException(500, sv + ": inference failed: " + e.getCause(), 0, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ServeException.unavailable("the server is shutting down", 1);
        }
        List<InferTensor> chosen = new ArrayList<>();
        for (int i : outputs) chosen.add(all.get(i));
        Map<String, String> header = new LinkedHashMap<>();
        header.put("model_name", sv.model);
        header.put("model_version", Long.toString(sv.version));
        header.put("id", msg.id);
        Wire.Encoded enc = Wire.message(header, null, "outputs", chosen, binary, null, false);
        if (!enc.binary()) return Reply.json(200, enc.body());
        return new Reply(200, "application/octet-stream", enc.body(), Map.of(Wire.HEADER_LENGTH, Integer.toString(enc.jsonLength())));
    }

    private List<InferTensor> bindInputs(ServedVersion sv, Wire.Message msg, byte[] body) {
        Signature sig = sv.signature;
        String takes = " (" + sv + " takes " + describe(sig.inputs()) + ")";
        if (msg.inputs.isEmpty()) throw ServeException.badRequest("the request has no \"inputs\"" + takes);
        Map<String, Wire.RawTensor> byName = new LinkedHashMap<>();
        for (Wire.RawTensor r : msg.inputs) {
            if (sig.input(r.name) == null) throw ServeException.badRequest("unknown input '" + r.name + "'" + takes);
            if (byName.put(r.name, r) != null) throw ServeException.badRequest("input '" + r.name + "' is given twice");
        }
        long elements = 0;
        int rows = -1;
        for (Signature.TensorSpec spec : sig.inputs()) {
            Wire.RawTensor r = byName.get(spec.name());
            if (r == null) throw ServeException.badRequest("missing input '" + spec.name() + "'" + takes);
            String what = "input '" + r.name + "'";
            Datatype dt = Datatype.parse(r.datatype);
            if (r.datatype == null) throw ServeException.badRequest(what + " has no \"datatype\"; expected " + spec.datatype());
            if (dt == null) throw ServeException.badRequest(what + ": '" + r.datatype + "' is not a protocol datatype; expected " + spec.datatype());
            TextPreprocessing text = sv.text.get(spec.name());
            if (dt == Datatype.BYTES && text != null) {
                // raw texts: one per row, tokenized below as the model was trained
                if (r.shape == null || r.shape.length == 0 || r.shape.length > 2 || (r.shape.length == 2 && r.shape[1] != 1)) {
                    throw ServeException.badRequest(what + " of BYTES takes one text per row: shape [rows] or [rows, 1], got "
                            + (r.shape == null ? "no shape" : Arrays.toString(r.shape)));
                }
            } else {
                if (!spec.accepts(dt)) {
                    throw ServeException.badRequest(what + " must be " + spec.datatype() + (spec.datatype() == Datatype.INT64 ? " (or INT32)" : "")
                            + (text != null ? " ids, or BYTES texts" : "") + ", got " + dt
                            + (dt == Datatype.BYTES ? "; this model was not saved with text preprocessing (a tokenizer), so it takes no texts" : ""));
                }
                if (r.shape == null) throw ServeException.badRequest(what + " has no \"shape\"; expected " + Arrays.toString(spec.shape()) + " (-1: any size)");
                int[] want = spec.shape();
                boolean fits = r.shape.length == want.length;
                for (int i = 1; fits && i < want.length; i++) fits = want[i] < 0 || want[i] == r.shape[i];
                if (!fits) {
                    throw ServeException.badRequest(what + " has shape " + Arrays.toString(r.shape) + "; expected " + Arrays.toString(want) + " (-1: any size)");
                }
            }
            if (r.shape[0] < 1) throw ServeException.badRequest(what + ": the batch size (first dimension) must be at least 1, got " + r.shape[0]);
            if (rows >= 0 && r.shape[0] != rows) {
                throw ServeException.badRequest("inputs must have the same batch size (first dimension); '" + r.name + "' has " + r.shape[0] + ", another has " + rows);
            }
            rows = r.shape[0];
            long n = 1;
            for (int d : r.shape) n = Math.min(n * d, Long.MAX_VALUE / 4);
            if (dt == Datatype.BYTES && text != null) n = Math.min(n * text.maxLen(), Long.MAX_VALUE / 4);   // the ids the texts become
            elements += n;
            if (elements > options.maxTensorElements()) {
                throw ServeException.tooLarge("the request's tensors hold more than " + options.maxTensorElements()
                        + " values, the most this server takes (max tensor elements)");
            }
        }
        List<InferTensor> out = new ArrayList<>();
        for (Signature.TensorSpec spec : sig.inputs()) {
            Wire.RawTensor r = byName.get(spec.name());
            String what = "input '" + r.name + "'";
            Datatype dt = Datatype.parse(r.datatype);
            int count = (int) InferTensor.numel(r.shape);
            if (dt == Datatype.FP32) {
                out.add(InferTensor.fp32(r.name, Wire.floats(body, r, count, what), r.shape));
            } else if (dt == Datatype.BYTES) {
                TextPreprocessing text = sv.text.get(spec.name());
                List<String> texts = new InferTensor(r.name, dt, r.shape, null, null, Wire.strings(body, r, count, what)).strings();
                out.add(InferTensor.int64(r.name, text.ids(texts), count, text.maxLen()));   // (rows, maxlen) ids, as training made them
            } else {
                out.add(InferTensor.int64(r.name, Wire.longs(body, r, dt, count, what), r.shape));
            }
        }
        return out;
    }

    /** Which outputs to send (indices into the signature, into {@code chosen}) and whether each goes as binary data. */
    private static boolean[] outputPlan(ServedVersion sv, Wire.Message msg, List<Integer> chosen) {
        Object b = msg.parameters.get(Wire.BINARY_DATA_OUTPUT);
        if (b != null && !(b instanceof Boolean)) throw ServeException.badRequest("parameter " + Wire.BINARY_DATA_OUTPUT + " must be true or false, got " + b);
        boolean all = Boolean.TRUE.equals(b);
        Signature sig = sv.signature;
        if (msg.outputs.isEmpty()) {
            boolean[] binary = new boolean[sig.outputs().size()];
            for (int i = 0; i < binary.length; i++) {
                chosen.add(i);
                binary[i] = all;
            }
            return binary;
        }
        boolean[] binary = new boolean[msg.outputs.size()];
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < msg.outputs.size(); k++) {
            Wire.RawTensor r = msg.outputs.get(k);
            int i = sig.outputIndex(r.name);
            if (i < 0) throw ServeException.badRequest("unknown output '" + r.name + "'; " + sv + " gives " + sig.outputNames());
            if (!seen.add(r.name)) throw ServeException.badRequest("output '" + r.name + "' is requested twice");
            Object ob = r.parameters.get(Wire.BINARY_DATA);
            if (ob != null && !(ob instanceof Boolean)) throw ServeException.badRequest("output '" + r.name + "': parameter binary_data must be true or false, got " + ob);
            chosen.add(i);
            binary[k] = ob != null ? (Boolean) ob : all;
        }
        return binary;
    }

    private static String describe(List<Signature.TensorSpec> specs) {
        List<String> out = new ArrayList<>();
        for (Signature.TensorSpec s : specs) out.add(s.describe());
        return String.join(", ", out);
    }

    // ------------------------------------------------------------------ bodies

    /** A body over the limit by at most this much is read and dropped before the 413, so the client sees the answer rather than a reset connection. */
    private static final long SWALLOW_BYTES = 2L << 20;

    /**
     * The whole body, within the size limit and the body timeout: blocking reads on this virtual
     * thread, each wait bounded by what is left of the timeout.
     */
    private byte[] readBody(Request request) {
        long max = options.maxBodyBytes();
        long declared = request.getLength();
        long deadline = System.nanoTime() + options.bodyTimeout().toNanos();
        if (declared > max) {
            if (declared - max <= SWALLOW_BYTES) drain(request, declared, deadline);
            throw tooLarge(declared, max);
        }
        byte[] buf = new byte[(int) Math.max(0, Math.min(declared >= 0 ? declared : 8192, max))];
        int size = 0;
        while (true) {
            Content.Chunk chunk = next(request, deadline, size, declared);
            try {
                ByteBuffer bb = chunk.getByteBuffer();
                int n = bb.remaining();
                if ((long) size + n > max) {
                    if (!chunk.isLast()) drain(request, max + SWALLOW_BYTES - size - n, deadline);
                    throw tooLarge((long) size + n, max);
                }
                if (size + n > buf.length) buf = Arrays.copyOf(buf, (int) Math.min(max, Math.max((long) buf.length * 2, (long) size + n)));
                bb.get(buf, size, n);
                size += n;
                if (chunk.isLast()) break;
            } finally {
                chunk.release();
            }
        }
        return size == buf.length ? buf : Arrays.copyOf(buf, size);
    }

    /** Most time spent reading an unread body before an error answer. */
    private static final long DRAIN_NANOS = 5_000_000_000L;

    /** Reads and drops what is left of the body (at most {@link #SWALLOW_BYTES}, for at most 5 s or the body timeout). */
    private void drainUnread(Request request) {
        if (request.getLength() == 0) return;
        long deadline = System.nanoTime() + Math.min(DRAIN_NANOS, options.bodyTimeout().toNanos());
        drain(request, SWALLOW_BYTES, deadline);
    }

    /** Reads and drops up to {@code limit} more bytes of the body (quietly stopping at an error or the deadline). */
    private void drain(Request request, long limit, long deadline) {
        long dropped = 0;
        try {
            while (dropped <= limit) {
                Content.Chunk chunk = next(request, deadline, 0, -1);
                dropped += chunk.remaining();
                boolean last = chunk.isLast();
                chunk.release();
                if (last) return;
            }
        } catch (ServeException e) {
            // the 413 goes out anyway, with Connection: close
        }
    }

    /** The next chunk of the body, waiting at most until {@code deadline}; 408 on timeout, 400 on a failed read. */
    private Content.Chunk next(Request request, long deadline, int got, long declared) {
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk != null) {
                if (Content.Chunk.isFailure(chunk)) {
                    Throwable f = chunk.getFailure();
                    chunk.release();
                    if (f instanceof TimeoutException) {
                        throw new ServeException(408, "the connection was idle for " + options.idleTimeout().toMillis() + " ms while sending the request body", 0, f);
                    }
                    throw ServeException.badRequest("reading the request body failed: " + f);
                }
                return chunk;
            }
            CompletableFuture<Void> more = new CompletableFuture<>();
            request.demand(() -> more.complete(null));
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0) throw new TimeoutException();
                more.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new ServeException(408, "the request body did not arrive within " + options.bodyTimeout().toMillis()
                        + " ms (got " + got + (declared >= 0 ? " of " + declared : "") + " bytes)", 0, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ServeException.unavailable("the server is shutting down", 1);
            } catch (ExecutionException e) {
                throw ServeException.badRequest("reading the request body failed: " + e.getCause());
            }
        }
    }

    private static ServeException tooLarge(long size, long max) {
        return ServeException.tooLarge("the request body has " + size + " bytes or more; this server takes at most " + max + " (max body bytes)");
    }

    private static void requireMethod(String method, String... allowed) {
        for (String a : allowed) if (a.equals(method)) return;
        throw new MethodNotAllowed(method, allowed);
    }

    /** 405, with the Allow header. */
    private static final class MethodNotAllowed extends RuntimeException {
        final String allow;

        MethodNotAllowed(String method, String[] allowed) {
            super(method + " is not allowed here; use " + String.join(" or ", allowed));
            this.allow = String.join(", ", allowed);
        }
    }

    private static ServeException noEndpoint(String method, List<String> seg) {
        return ServeException.notFound("no endpoint " + method + " /" + String.join("/", seg)
                + "; the server answers /v2, /v2/health/{live,ready}, /v2/models/{name}[/versions/{v}][/ready|/infer], /v2/repository/index and /metrics");
    }

    private static Reply error(ServeException e) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (e.retryAfterSeconds() > 0) headers.put("Retry-After", Integer.toString(e.retryAfterSeconds()));
        if (e.status() == 401) headers.put("WWW-Authenticate", "Bearer realm=\"myelin\"");
        if (e.status() == 408 || e.status() == 413) headers.put("Connection", "close");   // the rest of the body is not read
        return new Reply(e.status(), JSON, Wire.error(e.getMessage()), headers);
    }

    private static void send(Response response, Callback callback, Reply reply) {
        response.setStatus(reply.status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType);
        for (var h : reply.headers.entrySet()) response.getHeaders().put(h.getKey(), h.getValue());
        response.write(true, ByteBuffer.wrap(reply.body), callback);
    }
}
