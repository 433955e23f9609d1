package dev.myelin.nn;

import dev.myelin.core.Tensor;
import dev.myelin.nn.layers.InputLayer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain stack of layers, each feeding the next. Start it with an {@link InputLayer} (or
 * {@link #inputShape}) and it is built at once, so {@link #summary()} works before any data;
 * otherwise it builds on the first batch.
 *
 * <pre>{@code
 * Sequential model = new Sequential(
 *     new InputLayer(28, 28, 1),
 *     new Conv2D(32, 3, "relu"), new MaxPooling2D(2), new Flatten(), new Dense(10, "softmax"));
 * System.out.println(model.summary());
 * }</pre>
 */
public final class Sequential extends Model {
    private final List<Layer> stack = new ArrayList<>();
    private int[] inputShape;

    public Sequential(Layer... layers) {
        for (Layer l : layers) add(l);
    }

    /** Declares the input shape (no batch axis) and builds the layers added so far. Returns this. */
    public Sequential inputShape(int... shape) {
        this.inputShape = shape.clone();
        buildFromInput();
        return this;
    }

    /** Appends a layer. Returns this. */
    public Sequential add(Layer layer) {
        if (layer instanceof InputLayer in) {
            if (!stack.isEmpty()) throw new IllegalArgumentException("an InputLayer can only be the first layer of a Sequential model");
            inputShape = in.shape();
        }
        if (stack.contains(layer)) throw new IllegalArgumentException(layer.describe() + " is already in this model");
        stack.add(track(layer));
        nameAndSeed(stack);
        buildFromInput();
        return this;
    }

    private void buildFromInput() {
        if (inputShape == null) return;
        int[] s = inputShape;
        for (Layer l : stack) {
            l.ensureBuilt(s);
            try {
                s = l.computeOutputShape(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(l.describe() + ": cannot take input of shape " + withBatch(s) + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public List<Layer> layers() {
        return List.copyOf(stack);
    }

    @Override
    public List<int[]> inputShapes() {
        if (inputShape != null) return List.of(inputShape.clone());
        if (!stack.isEmpty() && stack.get(0).isBuilt()) return stack.get(0).builtInputShapes();
        return null;
    }

    @Override
    public int[] computeOutputShape(int[] in) {
        int[] s = in;
        for (Layer l : stack) s = l.computeOutputShape(s);
        return s;
    }

    @Override
    protected void build(int[] shape) {
        if (inputShape == null) {
            inputShape = shape.clone();
            buildFromInput();
        }
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        if (!stack.isEmpty() && stack.get(0) instanceof InputLayer) return; // it checks itself
        super.checkInput(index, shapeWithBatch);
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor mask = ctx.mask();
        for (Layer l : stack) {
            Context c = ctx.withMask(mask);
            Tensor y = l.apply(x, c);
            mask = l.computeMask(List.of(x), mask);
            x = y;
        }
        return x;
    }

    @Override
    protected List<String[]> summaryRows() {
        List<String[]> rows = new ArrayList<>();
        int[] s = inputShape;
        for (Layer l : stack) {
            if (l instanceof InputLayer) continue;
            int[] out = s == null ? null : l.computeOutputShape(s);
            rows.add(row(l, out == null ? null : List.of(out)));
            s = out;
        }
        return rows;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        List<Object> ls = new ArrayList<>();
        if (inputShape != null && (stack.isEmpty() || !(stack.get(0) instanceof InputLayer))) {
            ls.add(Layers.toConfig(new InputLayer(inputShape)));
        }
        for (Layer l : stack) ls.add(Layers.toConfig(l));
        m.put("layers", ls);
        return m;
    }

    public static Sequential fromConfig(Map<String, Object> config) {
        Sequential s = new Sequential();
        Object ls = config.get("layers");
        if (!(ls instanceof List<?> list)) throw new IllegalArgumentException("Sequential config: 'layers' must be a list");
        Map<String, Object> base = new LinkedHashMap<>(config);
        for (Object o : list) s.add(Layers.fromConfig(Config.map(o, "layer")));
        return withBaseConfig(s, base);
    }
}
