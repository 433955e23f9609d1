package dev.myelin.nn;

import dev.myelin.core.GradMode;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.regularizers.Regularizer;

/**
 * A layer's weight: a float32 tensor that the optimizer updates in place, with its name
 * ("kernel", "bias", "moving_mean"), whether training changes it, and an optional regularizer.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private final boolean trainable;
    private final Regularizer regularizer;
    private String path;

    public Parameter(String name, Tensor initial, boolean trainable, Regularizer regularizer) {
        this.name = name;
        this.value = initial.detach().contiguous();
        this.trainable = trainable;
        this.regularizer = regularizer;
        if (trainable) value.requiresGrad(true);
    }

    /** The weight's own name within its layer, e.g. "kernel". */
    public String name() {
        return name;
    }

    /** The full name, "layer/weight", once the layer is named (e.g. "dense_1/kernel"). */
    public String path() {
        return path == null ? name : path;
    }

    void setPath(String path) {
        this.path = path;
    }

    /** The live tensor, to use in a layer's maths; gradients accumulate into its {@code grad()}. */
    public Tensor value() {
        return value;
    }

    public boolean trainable() {
        return trainable;
    }

    public Regularizer regularizer() {
        return regularizer;
    }

    public int[] shape() {
        return value.shape();
    }

    public int numel() {
        return value.numel();
    }

    public Tensor grad() {
        return value.grad();
    }

    /** Overwrites the values (loading weights, moving averages); shapes must match. */
    public void assign(Tensor newValue) {
        if (!Shape.equal(newValue.shape(), value.shape())) {
            throw new IllegalArgumentException("weight '" + path() + "' has shape " + Shape.format(value.shape())
                    + ", cannot assign a tensor of shape " + Shape.format(newValue.shape()));
        }
        try (var ignored = GradMode.noGrad()) {
            value.copyFrom(newValue.dtype() == value.dtype() ? newValue : newValue.toFloat());
        }
    }

    @Override
    public String toString() {
        return "Parameter(" + path() + ", shape=" + Shape.format(value.shape()) + (trainable ? "" : ", non-trainable") + ")";
    }
}
