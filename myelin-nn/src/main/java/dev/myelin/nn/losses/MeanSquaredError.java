package dev.myelin.nn.losses;

import dev.myelin.core.Tensor;

/** mean((y - p)^2) over each sample's values. */
public final class MeanSquaredError extends Loss {
    @Override
    public Tensor perSample(Tensor yTrue, Tensor yPred) {
        requireSameShape(yTrue, yPred);
        return meanPerSample(yPred.sub(yTrue.toFloat()).square());
    }

    @Override
    public String name() {
        return "mean_squared_error";
    }
}
