package dev.myelin.nn;

import dev.myelin.core.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * A placeholder in the functional API, like Keras's {@code KerasTensor}: it knows its shape (no
 * batch axis) and which layer call produced it, and holds no data.
 *
 * <pre>{@code
 * SymbolicTensor in = Input.of(784);
 * SymbolicTensor h = new Dense(64, "relu").apply(in);
 * Model model = Model.of(in, new Dense(10, "softmax").apply(h));
 * }</pre>
 */
public final class SymbolicTensor {
    private final int[] shape;
    private final LayerCall producer;
    private final int outputIndex;

    SymbolicTensor(int[] shape, LayerCall producer, int outputIndex) {
        this.shape = shape.clone();
        this.producer = producer;
        this.outputIndex = outputIndex;
    }

    /** Shape without the batch axis; -1 for unknown sizes. */
    public int[] shape() {
        return shape.clone();
    }

    /** The call of a layer that produced this tensor. */
    public LayerCall producer() {
        return producer;
    }

    public int outputIndex() {
        return outputIndex;
    }

    /** One application of a layer to symbolic inputs: a node of the functional graph. */
    public record LayerCall(Layer layer, List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {}

    static List<SymbolicTensor> connect(Layer layer, List<SymbolicTensor> inputs) {
        List<int[]> shapes = new ArrayList<>();
        for (SymbolicTensor t : inputs) shapes.add(t.shape);
        layer.ensureBuilt(shapes);
        List<int[]> outShapes;
        try {
            outShapes = layer.computeOutputShapes(shapes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(layer.describe() + ": cannot take inputs of shape " + formatAll(shapes) + ": " + e.getMessage(), e);
        }
        List<SymbolicTensor> outs = new ArrayList<>();
        LayerCall call = new LayerCall(layer, List.copyOf(inputs), outs);
        for (int i = 0; i < outShapes.size(); i++) outs.add(new SymbolicTensor(outShapes.get(i), call, i));
        return List.copyOf(outs);
    }

    static String formatAll(List<int[]> shapes) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shapes.size(); i++) {
            if (i > 0) b.append(", ");
            b.append(Layer.withBatch(shapes.get(i)));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "SymbolicTensor(shape=" + Layer.withBatch(shape) + ", from " + producer.layer().describe() + ")";
    }

    static String format(int[] s) {
        return Shape.format(s);
    }
}
