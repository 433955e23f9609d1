package dev.myelin.serve;

import dev.myelin.nn.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a served model takes and gives: its inputs and outputs by name, datatype and shape (batch
 * axis first, -1 for the batch and any other variable size), from the model file's metadata.
 *
 * <p>The file records every input as float32. An input whose only consumers are Embedding layers
 * takes ids, so it is served as INT64 (INT32 accepted too); every other input is FP32.
 */
record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

    /** One input or output: name, datatype, shape with -1 for variable sizes. */
    record TensorSpec(String name, Datatype datatype, int[] shape) {
        TensorSpec {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Whether a request tensor of {@code datatype} fits this input (INT32 fits an INT64 input). */
        boolean accepts(Datatype given) {
            return given == datatype || (datatype == Datatype.INT64 && given == Datatype.INT32);
        }

        String describe() {
            return name + " " + datatype + Arrays.toString(shape);
        }
    }

    Signature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    TensorSpec input(String name) {
        for (TensorSpec s : inputs) if (s.name.equals(name)) return s;
        return null;
    }

    int outputIndex(String name) {
        for (int i = 0; i < outputs.size(); i++) if (outputs.get(i).name.equals(name)) return i;
        return -1;
    }

    List<String> inputNames() {
        List<String> n = new ArrayList<>();
        for (TensorSpec s : inputs) n.add(s.name);
        return n;
    }

    List<String> outputNames() {
        List<String> n = new ArrayList<>();
        for (TensorSpec s : outputs) n.add(s.name);
        return n;
    }

    /**
     * The inputs of {@code model} from its file metadata ({@code ModelFile.metadata}): names and
     * shapes as recorded, INT64 for inputs that only feed Embedding layers, else FP32.
     */
    static List<TensorSpec> inputs(Model model, Map<String, Object> metadata) {
        List<TensorSpec> ins = new ArrayList<>();
        for (Map<?, ?> e : entries(metadata, "inputs")) {
            String name = String.valueOf(e.get("name"));
            int[] shape = shape(e.get("shape"));
            if (shape == null) throw new IllegalArgumentException("the model file gives no shape for input '" + name + "'");
            ins.add(new TensorSpec(name, feedsOnlyEmbeddings(model, name) ? Datatype.INT64 : Datatype.FP32, shape));
        }
        if (ins.isEmpty()) throw new IllegalArgumentException("the model file's metadata lists no inputs");
        return ins;
    }

    /**
     * The whole signature: {@code inputs} from {@link #inputs}, outputs from the metadata; output
     * shapes the file leaves out come from {@code observedOutputs} (a warm-up run's output
     * shapes), with every size after the batch marked variable when any input has a variable size.
     */
    static Signature of(List<TensorSpec> inputs, Map<String, Object> metadata, List<int[]> observedOutputs) {
        boolean variableInput = false;
        for (TensorSpec in : inputs) {
            for (int i = 1; i < in.shape.length; i++) variableInput |= in.shape[i] < 0;
        }
        List<Map<?, ?>> metaOuts = entries(metadata, "outputs");
        List<TensorSpec> outs = new ArrayList<>();
        int count = observedOutputs != null ? observedOutputs.size() : metaOuts.size();
        for (int i = 0; i < count; i++) {
            Map<?, ?> e = i < metaOuts.size() ? metaOuts.get(i) : Map.of();
            String name = e.get("name") != null ? String.valueOf(e.get("name")) : count == 1 ? "output" : "output_" + i;
            int[] shape = shape(e.get("shape"));
            if (shape == null) {
                if (observedOutputs == null) throw new IllegalArgumentException("the model file gives no shape for output '" + name + "'");
                int[] seen = observedOutputs.get(i);
                shape = new int[seen.length];
                shape[0] = -1;
                for (int d = 1; d < seen.length; d++) shape[d] = variableInput ? -1 : seen[d];
            }
            outs.add(new TensorSpec(name, Datatype.FP32, shape));
        }
        return new Signature(inputs, outs);
    }

    private static List<Map<?, ?>> entries(Map<String, Object> metadata, String key) {
        List<Map<?, ?>> out = new ArrayList<>();
        if (metadata.get(key) instanceof List<?> list) {
            for (Object o : list) if (o instanceof Map<?, ?> m) out.add(m);
        }
        return out;
    }

    private static int[] shape(Object o) {
        if (!(o instanceof List<?> list) || list.isEmpty()) return null;
        int[] s = new int[list.size()];
        for (int i = 0; i < s.length; i++) {
            if (!(list.get(i) instanceof Number n)) return null;
            s[i] = n.intValue() < 0 ? -1 : n.intValue();
        }
        s[0] = -1;
        return s;
    }

    /**
     * Whether every layer fed by the input named {@code inputName} is an Embedding, read from the
     * model's config: the first layer of a Sequential, or the layers whose inbound calls name the
     * input in a functional model.
     */
    static boolean feedsOnlyEmbeddings(Model model, String inputName) {
        Map<String, Object> config;
        try {
            config = model.config();
        } catch (RuntimeException e) {
            return false;
        }
        if (!(config.get("layers") instanceof List<?> layers)) return false;
        boolean functional = config.containsKey("input_layers");
        if (!functional) {
            for (Object o : layers) {
                if (!(o instanceof Map<?, ?> l)) return false;
                if ("InputLayer".equals(l.get("class_name"))) continue;
                return "Embedding".equals(l.get("class_name"));
            }
            return false;
        }
        int consumers = 0;
        for (Object o : layers) {
            if (!(o instanceof Map<?, ?> l) || !(l.get("inbound_nodes") instanceof List<?> calls)) continue;
            boolean feeds = false;
            for (Object call : calls) {
                if (!(call instanceof List<?> args)) continue;
                for (Object ref : args) {
                    if (ref instanceof List<?> r && !r.isEmpty() && inputName.equals(String.valueOf(r.get(0)))) feeds = true;
                }
            }
            if (!feeds) continue;
            if (!"Embedding".equals(l.get("class_name"))) return false;
            consumers++;
        }
        return consumers > 0;
    }
}
