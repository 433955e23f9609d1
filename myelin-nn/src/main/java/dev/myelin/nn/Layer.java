package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.regularizers.Regularizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer, with Keras's lifecycle: the constructor takes configuration only; {@link #build}
 * creates the weights once the input shape is known; {@link #call} is the maths over tensor ops
 * (autograd gives the backward pass); {@link #config()} and a static {@code fromConfig(Map)}
 * round-trip the configuration. Shapes given to and returned by {@code build} and
 * {@code computeOutputShape} leave out the batch axis, as Keras's {@code input_shape} does;
 * -1 marks a size not known before data arrives (a sequence length).
 *
 * <pre>{@code
 * public final class Scale extends Layer {
 *     private Parameter alpha;
 *     protected void build(int[] inputShape) { alpha = addWeight("alpha", new int[]{inputShape[inputShape.length - 1]}, Initializer.ones()); }
 *     protected Tensor call(Tensor x, Context ctx) { return x.mul(alpha.value()); }
 *     public int[] computeOutputShape(int[] inputShape) { return inputShape; }
 * }
 * }</pre>
 */
public abstract class Layer {
    private String name;
    private boolean built;
    private List<int[]> builtShapes;
    private final List<Parameter> weights = new ArrayList<>();
    private final List<Layer> sublayers = new ArrayList<>();
    private boolean trainable = true;
    private Regularizer activityRegularizer;
    private long seed = 0x5EEDL;
    private Rng initRng;

    protected Layer() {
    }

    // ------------------------------------------------------------------ identity

    /** The layer's name: given by the user, or made unique by the model it joins ("dense", "dense_1"). */
    public String name() {
        return name;
    }

    /** Sets the name. Returns this. */
    public Layer name(String newName) {
        if (newName != null && (newName.isBlank() || newName.contains("/"))) {
            throw new IllegalArgumentException("layer name must be non-empty and contain no '/', got '" + newName + "'");
        }
        this.name = newName;
        for (Parameter p : weights) p.setPath(newName + "/" + p.name());
        return this;
    }

    /** Keras's class name for this layer, used in saved architectures: the simple class name. */
    public String className() {
        return getClass().getSimpleName();
    }

    /** A default name from the class: "Conv2D" gives "conv2d", "BatchNormalization" gives "batch_normalization". */
    public String defaultName() {
        // Keras's to_snake_case
        String s = className().replaceAll("(.)([A-Z][a-z]+)", "$1_$2").replaceAll("([a-z])([A-Z])", "$1_$2");
        return s.toLowerCase(java.util.Locale.ROOT);
    }

    public boolean trainable() {
        return trainable;
    }

    /** Freezes (false) or unfreezes the layer's weights for training. Returns this. */
    public Layer trainable(boolean value) {
        this.trainable = value;
        for (Layer l : sublayers) l.trainable(value);
        return this;
    }

    /** Adds {@code regularizer}'s penalty on this layer's output to the training loss. Returns this. */
    public Layer activityRegularizer(Regularizer regularizer) {
        this.activityRegularizer = regularizer;
        return this;
    }

    public Regularizer activityRegularizer() {
        return activityRegularizer;
    }

    /** Seed for this layer's weight initialisation. Models set it from their own seed. Returns this. */
    public Layer seed(long value) {
        this.seed = value;
        this.initRng = null;
        return this;
    }

    // ------------------------------------------------------------------ build

    public boolean isBuilt() {
        return built;
    }

    /** The input shapes the layer was built for (no batch axis), or null before. */
    public List<int[]> builtInputShapes() {
        return builtShapes;
    }

    /** Builds the layer for these input shapes, once. */
    public final void ensureBuilt(List<int[]> inputShapes) {
        if (built) return;
        List<int[]> copy = new ArrayList<>();
        for (int[] s : inputShapes) copy.add(s.clone());
        build(copy);
        builtShapes = copy;
        built = true;
    }

    public final void ensureBuilt(int[] inputShape) {
        ensureBuilt(List.of(inputShape));
    }

    /** Creates weights for several inputs; the default passes a single input's shape to {@link #build(int[])}. */
    protected void build(List<int[]> inputShapes) {
        if (inputShapes.size() == 1) build(inputShapes.get(0));
    }

    /** Creates the layer's weights for this input shape (no batch axis). Layers without weights need not override. */
    protected void build(int[] inputShape) {
    }

    /** Adds a trainable weight with no regularizer. */
    protected Parameter addWeight(String weightName, int[] shape, Initializer init) {
        return addWeight(weightName, shape, init, null, true);
    }

    /** Adds a weight, initialised from this layer's seeded generator. */
    protected Parameter addWeight(String weightName, int[] shape, Initializer init, Regularizer regularizer, boolean trainableWeight) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(describe() + ": cannot create weight '" + weightName + "' of shape " + Shape.format(shape)
                        + ": a size is unknown (-1); give the input shape to the first layer or an Input");
            }
        }
        if (initRng == null) initRng = new Rng(seed);
        Parameter p = new Parameter(weightName, init.create(initRng, shape), trainableWeight, regularizer);
        p.setPath((name == null ? defaultName() : name) + "/" + weightName);
        weights.add(p);
        return p;
    }

    /** Registers a layer used inside this one, so its weights count as this layer's. Returns it. */
    protected <L extends Layer> L track(L layer) {
        sublayers.add(layer);
        return layer;
    }

    /** Layers registered with {@link #track}. */
    public List<Layer> sublayers() {
        return Collections.unmodifiableList(sublayers);
    }

    /** All weights: this layer's, then its sublayers'. */
    public List<Parameter> weights() {
        List<Parameter> all = new ArrayList<>(weights);
        for (Layer l : sublayers) all.addAll(l.weights());
        return all;
    }

    /** Weights that training updates (none when the layer is frozen). */
    public List<Parameter> trainableWeights() {
        List<Parameter> out = new ArrayList<>();
        if (trainable) for (Parameter p : weights) if (p.trainable()) out.add(p);
        for (Layer l : sublayers) out.addAll(l.trainableWeights());
        return out;
    }

    public List<Parameter> nonTrainableWeights() {
        List<Parameter> all = weights(), tw = trainableWeights();
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : all) if (!tw.contains(p)) out.add(p);
        return out;
    }

    public long countParams() {
        long n = 0;
        for (Parameter p : weights()) n += p.numel();
        return n;
    }

    // ------------------------------------------------------------------ shapes

    /** Output shape for a single input (no batch axis). Multi-input layers override {@link #computeOutputShapes}. */
    public int[] computeOutputShape(int[] inputShape) {
        throw new IllegalStateException(describe() + " does not define computeOutputShape");
    }

    /** Output shapes for these input shapes, no batch axis. */
    public List<int[]> computeOutputShapes(List<int[]> inputShapes) {
        if (inputShapes.size() != 1) {
            throw new IllegalArgumentException(describe() + " takes 1 input, got " + inputShapes.size());
        }
        return List.of(computeOutputShape(inputShapes.get(0)));
    }

    /**
     * Checks an input shape (batch axis included) against the shape the layer was built for:
     * same rank and the same last axis. Layers with stricter or looser needs override.
     */
    protected void checkInput(int index, int[] shapeWithBatch) {
        if (builtShapes == null || index >= builtShapes.size()) return;
        int[] expected = builtShapes.get(index);
        int[] got = Arrays.copyOfRange(shapeWithBatch, 1, shapeWithBatch.length);
        boolean ok = got.length == expected.length;
        if (ok && expected.length > 0) {
            int e = expected[expected.length - 1];
            ok = e < 0 || e == got[got.length - 1];
        }
        if (!ok) {
            throw new IllegalArgumentException(describe() + ": expected input shape " + withBatch(expected) + ", got " + Shape.format(shapeWithBatch));
        }
    }

    /** "(None, 28, 28, 1)" style, as Keras prints shapes. */
    public static String withBatch(int[] shape) {
        StringBuilder b = new StringBuilder("(None");
        for (int d : shape) b.append(", ").append(d < 0 ? "None" : Integer.toString(d));
        return b.append(')').toString();
    }

    /** "layer 'dense_1' (Dense)", for messages. */
    public String describe() {
        return "layer '" + (name == null ? defaultName() : name) + "' (" + className() + ")";
    }

    // ------------------------------------------------------------------ call

    /** Runs the layer in inference mode on one input (batch axis first). */
    public final Tensor apply(Tensor x) {
        return apply(x, Context.inference());
    }

    /** Runs the layer on one input, building it first if needed. */
    public final Tensor apply(Tensor x, Context ctx) {
        List<Tensor> out = applyAll(List.of(x), ctx);
        if (out.size() != 1) throw new IllegalStateException(describe() + " returns " + out.size() + " outputs; use applyAll");
        return out.get(0);
    }

    /** Runs the layer on its inputs, building it first if needed, and returns all its outputs. */
    public final List<Tensor> applyAll(List<Tensor> inputs, Context ctx) {
        if (!built) {
            List<int[]> shapes = new ArrayList<>();
            for (Tensor t : inputs) {
                int[] s = t.shape();
                if (s.length == 0) throw new IllegalArgumentException(describe() + ": input must have a batch axis, got a scalar");
                shapes.add(Arrays.copyOfRange(s, 1, s.length));
            }
            ensureBuilt(shapes);
        }
        for (int i = 0; i < inputs.size(); i++) checkInput(i, inputs.get(i).shape());
        List<Tensor> out = call(inputs, ctx);
        if (activityRegularizer != null && ctx.training()) {
            for (Tensor y : out) ctx.addLoss(activityRegularizer.penalty(y).div(y.size(0)));
        }
        return out;
    }

    /** Functional API: connects this layer to symbolic inputs and returns its symbolic output. */
    public final SymbolicTensor apply(SymbolicTensor... inputs) {
        List<SymbolicTensor> out = SymbolicTensor.connect(this, List.of(inputs));
        if (out.size() != 1) throw new IllegalStateException(describe() + " returns " + out.size() + " outputs; use applyAll");
        return out.get(0);
    }

    /** Functional API for layers with several outputs (an LSTM with returnState). */
    public final List<SymbolicTensor> applyAll(SymbolicTensor... inputs) {
        return SymbolicTensor.connect(this, List.of(inputs));
    }

    /** The maths for one input. */
    protected Tensor call(Tensor x, Context ctx) {
        throw new IllegalStateException(describe() + " does not define call(Tensor, Context)");
    }

    /** The maths for several inputs or outputs; the default runs the single-input form. */
    protected List<Tensor> call(List<Tensor> inputs, Context ctx) {
        if (inputs.size() != 1) throw new IllegalArgumentException(describe() + " takes 1 input, got " + inputs.size());
        return List.of(call(inputs.get(0), ctx));
    }

    /**
     * The mask of the output, given the input and its mask (shape (batch, time), or null).
     * Layers that keep the time axis pass it through; layers that drop it return null.
     */
    public Tensor computeMask(List<Tensor> inputs, Tensor mask) {
        return supportsMasking() ? mask : null;
    }

    /** Whether an input mask passes through this layer unchanged (element-wise layers). */
    protected boolean supportsMasking() {
        return false;
    }

    // ------------------------------------------------------------------ config

    /**
     * The configuration as a JSON-shaped map (strings, numbers, booleans, lists, maps). Subclasses
     * add their keys to {@code super.config()}.
     */
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("trainable", trainable);
        if (activityRegularizer != null) m.put("activity_regularizer", activityRegularizer.config());
        return m;
    }

    /** Applies the common keys of {@link #config()} to a layer made by a {@code fromConfig}. Returns it. */
    public static <L extends Layer> L withBaseConfig(L layer, Map<String, Object> config) {
        Object n = config.get("name");
        if (n != null) layer.name(n.toString());
        layer.trainable(Config.getBool(config, "trainable", true));
        layer.activityRegularizer(Regularizer.fromConfig(config.get("activity_regularizer")));
        return layer;
    }

    @Override
    public String toString() {
        return describe();
    }
}
