package dev.myelin.nn;

import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.Callback;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Settings of {@code Model.fit}, with Keras's names and defaults: 1 epoch, batch size 32,
 * shuffling on, no validation, verbose 1.
 *
 * <pre>{@code model.fit(x, y, new FitOptions().epochs(10).batchSize(128).validationSplit(0.1f).callbacks(new EarlyStopping("val_loss", 3)));}</pre>
 */
public final class FitOptions {
    int epochs = 1;
    int batchSize = 32;
    boolean shuffle = true;
    float validationSplit = 0f;
    List<Tensor> validationX, validationY;
    BatchSource validationSource;
    Map<Integer, Float> classWeights;
    Tensor sampleWeights;
    int initialEpoch = 0;
    final List<Callback> callbacks = new ArrayList<>();
    int verbose = 1;

    public FitOptions epochs(int value) {
        if (value < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + value);
        epochs = value;
        return this;
    }

    public FitOptions batchSize(int value) {
        if (value < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + value);
        batchSize = value;
        return this;
    }

    public FitOptions shuffle(boolean value) {
        shuffle = value;
        return this;
    }

    /** Holds out the last fraction of the samples (before shuffling) for validation, as Keras does. */
    public FitOptions validationSplit(float fraction) {
        if (fraction < 0 || fraction >= 1) throw new IllegalArgumentException("validation split must be in [0, 1), got " + fraction);
        validationSplit = fraction;
        return this;
    }

    public FitOptions validationData(Tensor x, Tensor y) {
        return validationData(List.of(x), List.of(y));
    }

    public FitOptions validationData(List<Tensor> x, List<Tensor> y) {
        validationX = List.copyOf(x);
        validationY = List.copyOf(y);
        return this;
    }

    public FitOptions validationData(BatchSource source) {
        validationSource = source;
        return this;
    }

    /** Weights per class id, multiplying each sample's loss: {@code Map.of(0, 1f, 1, 10f)}. */
    public FitOptions classWeights(Map<Integer, Float> weights) {
        classWeights = Map.copyOf(weights);
        return this;
    }

    /** A weight per training sample, shape (samples,). */
    public FitOptions sampleWeights(Tensor weights) {
        sampleWeights = weights;
        return this;
    }

    /** The epoch to start from (resuming): epochs run from initialEpoch to epochs - 1. */
    public FitOptions initialEpoch(int value) {
        if (value < 0) throw new IllegalArgumentException("initial epoch must be >= 0, got " + value);
        initialEpoch = value;
        return this;
    }

    public FitOptions callbacks(Callback... cbs) {
        callbacks.addAll(List.of(cbs));
        return this;
    }

    /** 0: silent, 1: a line per epoch (a progress bar on a terminal, when available), 2: a line per epoch. */
    public FitOptions verbose(int value) {
        verbose = value;
        return this;
    }

    public int epochs() { return epochs; }

    public int batchSize() { return batchSize; }

    public int verbose() { return verbose; }
}
