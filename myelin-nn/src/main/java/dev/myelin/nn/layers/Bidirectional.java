package dev.myelin.nn.layers;

import dev.myelin.core.Indexing;
import dev.myelin.core.ShapeOps;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Layers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a recurrent layer over the sequence in both directions and merges the two outputs, as
 * Keras's {@code Bidirectional}. The forward layer is a fresh copy of the given layer (from its
 * config, named "forward_" + its name) and the backward one a copy with go_backwards set (named
 * "backward_" + its name), so the given layer's own weights are not reused, as in Keras. With
 * return_sequences the backward outputs are put back in input time order before merging, and
 * both layers output zeros at masked steps. Merge modes: "concat" (default, last axis doubled),
 * "sum", "mul", "ave", or null for two separate outputs. With return_state the outputs are
 * [merged output, forward states..., backward states...]; initial states are given as extra
 * inputs, the forward layer's first: [x, h_f, c_f, h_b, c_b].
 *
 * <pre>{@code new Bidirectional(new LSTM(64).returnSequences(true))}</pre>
 */
public final class Bidirectional extends Layer {
    private static final List<String> MODES = java.util.Arrays.asList("concat", "sum", "mul", "ave", null);

    private final RecurrentLayer<?> forward, backward;
    private final String mergeMode;

    /** Concatenates the two directions' outputs. */
    public Bidirectional(RecurrentLayer<?> layer) {
        this(layer, "concat");
    }

    /** {@code mergeMode}: "concat", "sum", "mul", "ave", or null for two outputs. */
    public Bidirectional(RecurrentLayer<?> layer, String mergeMode) {
        this(layer, mergeMode, null);
    }

    /** With a backward layer of your own (it must go backwards and match the forward layer's options). */
    public Bidirectional(RecurrentLayer<?> layer, String mergeMode, RecurrentLayer<?> backwardLayer) {
        if (layer == null) throw new IllegalArgumentException("Bidirectional: the layer must not be null");
        if (!MODES.contains(mergeMode)) {
            throw new IllegalArgumentException("Bidirectional: merge mode must be one of concat, sum, mul, ave or null, got '" + mergeMode + "'");
        }
        this.mergeMode = mergeMode;
        String base = layer.name() == null ? layer.defaultName() : layer.name();
        this.forward = copy(layer, "forward_" + removePrefix(base, "forward_"), false);
        this.backward = backwardLayer != null ? backwardLayer : copy(layer, "backward_" + removePrefix(base, "backward_"), true);
        if (forward.goBackwards() == backward.goBackwards()) {
            throw new IllegalArgumentException("Bidirectional: the forward and backward layers must differ in go_backwards, both have "
                    + forward.goBackwards());
        }
        if (forward.returnSequences() != backward.returnSequences() || forward.returnState() != backward.returnState()
                || forward.stateCount() != backward.stateCount()) {
            throw new IllegalArgumentException("Bidirectional: the forward and backward layers must agree on return_sequences, return_state"
                    + " and their states");
        }
        // Keras: masked steps give zeros when returning sequences, so that the reversed halves line up.
        forward.zeroOutputForMask(forward.returnSequences());
        backward.zeroOutputForMask(backward.returnSequences());
        track(forward);
        track(backward);
        forward.seed(0x5EEDL * 2 + 1);
        backward.seed(0x5EEDL * 2 + 2);
    }

    private static RecurrentLayer<?> copy(RecurrentLayer<?> layer, String name, boolean goBackwards) {
        Map<String, Object> entry = Layers.toConfig(layer);
        Map<String, Object> config = new LinkedHashMap<>(Config.map(entry.get("config"), "layer config"));
        config.put("name", name);
        if (goBackwards) config.put("go_backwards", true);
        return (RecurrentLayer<?>) Layers.fromConfig(layer.className(), config);
    }

    private static String removePrefix(String s, String prefix) {
        return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
    }

    public RecurrentLayer<?> forwardLayer() {
        return forward;
    }

    public RecurrentLayer<?> backwardLayer() {
        return backward;
    }

    /** "concat", "sum", "mul", "ave", or null. */
    public String mergeMode() {
        return mergeMode;
    }

    /** Seeds both directions' weights, differently. Returns this. */
    @Override
    public Layer seed(long value) {
        super.seed(value);
        forward.seed(value * 2 + 1);
        backward.seed(value * 2 + 2);
        return this;
    }

    @Override
    protected void build(List<int[]> inputShapes) {
        forward.ensureBuilt(directionInputs(inputShapes, true));
        backward.ensureBuilt(directionInputs(inputShapes, false));
    }

    /** [x] plus the forward half or the backward half of the initial states. */
    private <T> List<T> directionInputs(List<T> inputs, boolean first) {
        int states = inputs.size() - 1;
        if (states != 0 && states != 2 * forward.stateCount()) {
            throw new IllegalArgumentException(describe() + " takes the sequence and optionally " + 2 * forward.stateCount()
                    + " initial states (forward then backward), got " + inputs.size() + " inputs");
        }
        List<T> out = new ArrayList<>();
        out.add(inputs.get(0));
        int half = states / 2;
        out.addAll(first ? inputs.subList(1, 1 + half) : inputs.subList(1 + half, inputs.size()));
        return out;
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return computeOutputShapes(List.of(inputShape)).get(0);
    }

    @Override
    public List<int[]> computeOutputShapes(List<int[]> inputShapes) {
        List<int[]> f = forward.computeOutputShapes(directionInputs(inputShapes, true));
        int[] out = f.get(0).clone();
        List<int[]> result = new ArrayList<>();
        if ("concat".equals(mergeMode)) out[out.length - 1] *= 2;
        result.add(out);
        if (mergeMode == null) result.add(f.get(0).clone());
        List<int[]> states = f.subList(1, f.size());
        result.addAll(states);
        result.addAll(states);
        return result;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        List<Tensor> out = call(List.of(x), ctx);
        if (out.size() != 1) {
            throw new IllegalStateException(describe() + " returns " + out.size() + " tensors (merge mode null or return_state); call it with applyAll");
        }
        return out.get(0);
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, Context ctx) {
        List<Tensor> yf = forward.run(directionInputs(inputs, true), ctx);
        List<Tensor> yb = backward.run(directionInputs(inputs, false), ctx);
        Tensor a = yf.get(0), b = yb.get(0);
        if (forward.returnSequences()) b = reverseTime(b);
        List<Tensor> out = new ArrayList<>();
        if (mergeMode == null) {
            out.add(a);
            out.add(b);
        } else {
            out.add(switch (mergeMode) {
                case "concat" -> ShapeOps.concat(-1, a, b);
                case "sum" -> a.add(b);
                case "mul" -> a.mul(b);
                case "ave" -> a.add(b).mul(0.5f);
                default -> throw new IllegalStateException(mergeMode);
            });
        }
        out.addAll(yf.subList(1, yf.size()));
        out.addAll(yb.subList(1, yb.size()));
        return out;
    }

    private static Tensor reverseTime(Tensor y) {
        int time = y.size(1);
        int[] order = new int[time];
        for (int t = 0; t < time; t++) order[t] = time - 1 - t;
        return Indexing.indexSelect(y, 1, Tensor.ofInts(order));
    }

    @Override
    public Tensor computeMask(List<Tensor> inputs, Tensor mask) {
        return forward.returnSequences() ? mask : null;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("merge_mode", mergeMode);
        m.put("layer", Layers.toConfig(forward));
        m.put("backward_layer", Layers.toConfig(backward));
        return m;
    }

    public static Bidirectional fromConfig(Map<String, Object> c) {
        Layer layer = Layers.fromConfig(Config.map(c.get("layer"), "Bidirectional 'layer'"));
        Layer back = c.get("backward_layer") == null ? null : Layers.fromConfig(Config.map(c.get("backward_layer"), "Bidirectional 'backward_layer'"));
        if (!(layer instanceof RecurrentLayer<?> rl) || (back != null && !(back instanceof RecurrentLayer<?>))) {
            throw new IllegalArgumentException("Bidirectional config: 'layer' and 'backward_layer' must be recurrent layers");
        }
        String mode = c.containsKey("merge_mode") ? (String) c.get("merge_mode") : "concat";
        return withBaseConfig(new Bidirectional(rl, mode, (RecurrentLayer<?>) back), c);
    }
}
