package dev.myelin.runtime;

import dev.myelin.compress.QuantizedLayers;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.io.ModelFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A saved model, loaded for inference on plain float arrays: the device-side entry point of the
 * runtime jar. Float, int8-quantized and pruned models load alike (the quantized layers are
 * registered before loading). Predictions are exactly those of {@link Model#predict} on the same
 * batch: this class only reshapes arrays around it.
 *
 * <pre>{@code
 * Predictor p = Predictor.load(Path.of("mnist-int8.myelin"));
 * float[] probs = p.predict(pixels);          // one sample, flattened input shape (28*28*1)
 * int digit = Predictor.argmax(probs);
 * }</pre>
 */
public final class Predictor {
    private final Model model;
    private final int[] inputShape;    // one sample's input shape (no batch axis)
    private final int[] outputShape;   // one sample's output shape (no batch axis)

    private Predictor(Model model) {
        this.model = model;
        List<int[]> ins = model.inputShapes();
        if (ins == null || ins.size() != 1) {
            throw new IllegalArgumentException("Predictor runs models with one input; this " + model.describe() + " has "
                    + (ins == null ? "no known" : String.valueOf(ins.size())) + " inputs (use model() and Model.predictAll)");
        }
        List<int[]> outs = model.outputShapes();
        if (outs.size() != 1) {
            throw new IllegalArgumentException("Predictor runs models with one output; this " + model.describe() + " has "
                    + outs.size() + " outputs (use model() and Model.predictAll)");
        }
        this.inputShape = ins.get(0).clone();
        this.outputShape = outs.get(0).clone();
    }

    /** Loads a model file written by {@code Model.save} / {@code ModelFile.save}. */
    public static Predictor load(Path file) throws IOException {
        QuantizedLayers.register();
        return new Predictor(ModelFile.load(file));
    }

    /** Wraps a model already in memory (one input, one output). */
    public static Predictor of(Model model) {
        return new Predictor(model);
    }

    /** The model itself, for what this class does not cover (several inputs, {@code summary()}). */
    public Model model() {
        return model;
    }

    /** One sample's input shape, without the batch axis; -1 marks a size the model leaves open. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** One sample's output shape, without the batch axis. */
    public int[] outputShape() {
        return outputShape.clone();
    }

    /** Values in one sample's input: the product of {@link #inputShape}. */
    public int inputSize() {
        requireKnownInput();
        return Shape.numel(inputShape);
    }

    /** Predicts one sample given as its flattened input (row-major over {@link #inputShape}); returns its flattened output. */
    public float[] predict(float[] sample) {
        return predict(new float[][]{sample})[0];
    }

    /** Predicts a batch of samples, each flattened as in {@link #predict(float[])}, as one batch; returns one row per sample. */
    public float[][] predict(float[][] samples) {
        if (samples.length == 0) return new float[0][];
        int size = inputSize();
        float[] flat = new float[samples.length * size];
        for (int i = 0; i < samples.length; i++) {
            if (samples[i].length != size) {
                throw new IllegalArgumentException("sample " + i + " has " + samples[i].length + " values; the model expects "
                        + size + " (input shape " + Shape.format(inputShape) + ", flattened)");
            }
            System.arraycopy(samples[i], 0, flat, i * size, size);
        }
        int[] shape = new int[inputShape.length + 1];
        shape[0] = samples.length;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        float[] out = predict(Tensor.wrap(flat, shape), samples.length).toFloatArray();
        int per = out.length / samples.length;
        float[][] rows = new float[samples.length][];
        for (int i = 0; i < samples.length; i++) {
            rows[i] = new float[per];
            System.arraycopy(out, i * per, rows[i], 0, per);
        }
        return rows;
    }

    /** Predicts a batch tensor (batch axis first), {@code batchSize} samples at a time, as {@link Model#predict(Tensor, int)}. */
    public Tensor predict(Tensor batch, int batchSize) {
        return model.predict(batch, batchSize);
    }

    /** The index of the largest value (the first on ties): the class of a classifier's output. */
    public static int argmax(float[] values) {
        if (values.length == 0) throw new IllegalArgumentException("argmax of an empty array");
        int best = 0;
        for (int i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private void requireKnownInput() {
        for (int d : inputShape) {
            if (d < 0) {
                throw new IllegalArgumentException("the model's input shape " + Shape.format(inputShape)
                        + " has open sizes; flattened samples need a fixed shape (use predict(Tensor, int) with the shape you want)");
            }
        }
    }
}
