package dev.myelin.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Dense;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ONNX Runtime side of {@code bench/run infer}: Myelin's MLP (a stack of Dense layers, ReLU
 * between, softmax at the end) written as an ONNX model by hand, then run by ONNX Runtime on one
 * reused input tensor into one reused (pinned) output tensor.
 *
 * <p>The graph, opset 17: {@code h1 = Relu(Gemm(x, W1, b1)); h2 = Relu(Gemm(h1, W2, b2));
 * probs = Softmax(Gemm(h2, W3, b3))}, with W (in, out) as Myelin stores it (Gemm's transB = 0)
 * and the weights as float initializers in raw little-endian bytes.
 */
final class OnnxMlp implements AutoCloseable {
    static final String INPUT = "x", OUTPUT = "probs";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final FloatBuffer in, out;
    private final OnnxTensor inTensor, outTensor;
    private final Map<String, OnnxTensor> inputs, outputs;
    private final float[] result;

    /** A session over the model's current weights, with a reused (rows, features) input holding {@code input}. */
    OnnxMlp(Sequential mlp, float[] input, int rows) throws OrtException {
        env = OrtEnvironment.getEnvironment();
        byte[] model = encode(mlp);
        // default options (every graph optimization, intra-op threads = physical cores) unless -Dbench.threads
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            if (SideBySide.THREADS != null) opts.setIntraOpNumThreads(SideBySide.THREADS);
            session = env.createSession(model, opts);
        }
        int features = input.length / rows, classes = ((Dense) last(mlp)).units();
        // direct buffers: ONNX Runtime reads and writes them in place, no copy per call
        in = ByteBuffer.allocateDirect(input.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        in.put(input).rewind();
        out = ByteBuffer.allocateDirect(rows * classes * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        inTensor = OnnxTensor.createTensor(env, in, new long[]{rows, features});
        outTensor = OnnxTensor.createTensor(env, out, new long[]{rows, classes});
        inputs = Map.of(INPUT, inTensor);
        outputs = Map.of(OUTPUT, outTensor);
        result = new float[rows * classes];
    }

    static String describe() {
        return "onnxruntime " + OrtEnvironment.getEnvironment().getVersion() + " (CPU, "
                + (SideBySide.THREADS == null ? "default session options)" : SideBySide.THREADS + " intra-op threads)");
    }

    /** Runs the session on the reused input; the output copied into a Java array. */
    float[] run() {
        try (OrtSession.Result r = session.run(inputs, outputs)) {
            out.get(0, result);
            return result.clone();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws OrtException {
        inTensor.close();
        outTensor.close();
        session.close();
    }

    private static Layer last(Sequential m) {
        List<Layer> ls = m.layers();
        return ls.get(ls.size() - 1);
    }

    // ------------------------------------------------------------------ ONNX encoding

    /** The ModelProto bytes of a Sequential of Dense layers (relu between, softmax last). */
    static byte[] encode(Sequential mlp) {
        List<Dense> dense = new ArrayList<>();
        for (Layer l : mlp.layers()) {
            if (l instanceof Dense d) dense.add(d);
            else if (!(l instanceof dev.myelin.nn.layers.InputLayer)) {
                throw new IllegalArgumentException("OnnxMlp: only Dense layers, got " + l.describe());
            }
        }
        Pb graph = new Pb().string(2, "myelin_mlp");
        String x = INPUT;
        int features = dense.get(0).kernel().shape()[0];
        for (int i = 0; i < dense.size(); i++) {
            Dense d = dense.get(i);
            String act = d.activation();
            boolean lastLayer = i == dense.size() - 1;
            String expected = lastLayer ? "softmax" : "relu";
            if (!expected.equals(act)) throw new IllegalArgumentException("OnnxMlp: layer " + i + " has activation " + act + ", expected " + expected);
            int[] ks = d.kernel().shape();
            String w = "W" + i, b = "b" + i, z = "z" + i, a = lastLayer ? OUTPUT : "h" + i;
            graph.message(5, tensor(w, d.kernel().value().toFloatArray(), ks[0], ks[1]));
            graph.message(5, tensor(b, d.bias().value().toFloatArray(), ks[1]));
            graph.message(1, node("gemm" + i, "Gemm", List.of(x, w, b), z));
            graph.message(1, node((lastLayer ? "softmax" : "relu") + i, lastLayer ? "Softmax" : "Relu", List.of(z), a));
            x = a;
        }
        graph.message(11, valueInfo(INPUT, features));
        graph.message(12, valueInfo(OUTPUT, dense.get(dense.size() - 1).units()));
        return new Pb()
                .int64(1, 8) // ir_version 8 goes with opset 17
                .string(2, "myelin-bench")
                .message(7, graph)
                .message(8, new Pb().string(1, "").int64(2, 17)) // opset_import: ai.onnx 17
                .bytes();
    }

    /** NodeProto: input = 1, output = 2, name = 3, op_type = 4. */
    private static Pb node(String name, String op, List<String> ins, String out) {
        Pb n = new Pb();
        for (String s : ins) n.string(1, s);
        return n.string(2, out).string(3, name).string(4, op);
    }

    /** TensorProto: dims = 1, data_type = 2 (FLOAT = 1), name = 8, raw_data = 9 (little-endian). */
    private static Pb tensor(String name, float[] values, int... dims) {
        Pb t = new Pb();
        for (int d : dims) t.int64(1, d);
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return t.int64(2, 1).string(8, name).raw(9, raw.array());
    }

    /**
     * ValueInfoProto (name = 1, type = 2) of a float tensor ("batch", width): TypeProto.tensor_type
     * = 1 {elem_type = 1, shape = 2 {dim = 1 {dim_param = 2 | dim_value = 1}}}.
     */
    private static Pb valueInfo(String name, int width) {
        Pb shape = new Pb().message(1, new Pb().string(2, "batch")).message(1, new Pb().int64(1, width));
        Pb tensorType = new Pb().int64(1, 1).message(2, shape);
        return new Pb().string(1, name).message(2, new Pb().message(1, tensorType));
    }

    /** Just enough protobuf writing: varint fields and length-delimited fields. */
    static final class Pb {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                buf.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            buf.write((int) v);
        }

        private void tag(int field, int wireType) {
            varint(((long) field << 3) | wireType);
        }

        Pb int64(int field, long v) {
            tag(field, 0);
            varint(v);
            return this;
        }

        Pb raw(int field, byte[] b) {
            tag(field, 2);
            varint(b.length);
            buf.writeBytes(b);
            return this;
        }

        Pb string(int field, String s) {
            return raw(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Pb message(int field, Pb m) {
            return raw(field, m.bytes());
        }

        byte[] bytes() {
            return buf.toByteArray();
        }
    }
}
