package dev.myelin.nn.losses;

import dev.myelin.core.Tensor;

import java.util.Map;

/**
 * Keras's {@code MeanAbsoluteError}: mean(|y - p|) over each sample's values. At p = y the
 * gradient is taken as 0.
 *
 * <pre>{@code model.compile(new Adam(), new MeanAbsoluteError());}</pre>
 */
public final class MeanAbsoluteError extends Loss {
    public MeanAbsoluteError() {
    }

    @Override
    public Tensor perSample(Tensor yTrue, Tensor yPred) {
        Tensor y = LossSupport.labels(name(), yTrue, yPred);
        return meanPerSample(yPred.sub(y).abs());
    }

    @Override
    public String name() {
        return "mean_absolute_error";
    }

    public static MeanAbsoluteError fromConfig(Map<String, Object> config) {
        return new MeanAbsoluteError();
    }
}
