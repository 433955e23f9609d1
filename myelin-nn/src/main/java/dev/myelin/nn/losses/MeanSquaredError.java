package dev.myelin.nn.losses;

import dev.myelin.core.Tensor;

import java.util.Map;

/**
 * Keras's {@code MeanSquaredError}: mean((y - p)^2) over each sample's values. Labels have the
 * predictions' shape, or differ by a trailing axis of size 1.
 *
 * <pre>{@code model.compile(new Adam(), new MeanSquaredError());}</pre>
 */
public final class MeanSquaredError extends Loss {
    public MeanSquaredError() {
    }

    @Override
    public Tensor perSample(Tensor yTrue, Tensor yPred) {
        Tensor y = LossSupport.labels(name(), yTrue, yPred);
        return meanPerSample(yPred.sub(y).square());
    }

    @Override
    public String name() {
        return "mean_squared_error";
    }

    public static MeanSquaredError fromConfig(Map<String, Object> config) {
        return new MeanSquaredError();
    }
}
