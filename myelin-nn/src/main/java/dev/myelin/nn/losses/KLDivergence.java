package dev.myelin.nn.losses;

import dev.myelin.core.Tensor;

import java.util.Map;

/**
 * Keras's {@code KLDivergence}: sum(y log(y / p)) over the last axis, with both y and p clipped
 * to [1e-7, 1] first, as Keras does; (batch, time, classes) inputs give each sample the mean over
 * time steps. Labels and predictions are probability distributions of the same shape.
 *
 * <pre>{@code model.compile(new Adam(), new KLDivergence());}</pre>
 */
public final class KLDivergence extends Loss {
    public KLDivergence() {
    }

    @Override
    public Tensor perSample(Tensor yTrue, Tensor yPred) {
        Tensor y = LossSupport.labels(name(), yTrue, yPred).clamp(LossSupport.EPSILON, 1f);
        Tensor p = yPred.clamp(LossSupport.EPSILON, 1f);
        Tensor terms = y.mul(y.log().sub(p.log())); // y log(y / p)
        if (terms.rank() == 1) return terms; // (batch,): one value per sample
        return meanPerSample(terms.sum(new int[]{-1}, false));
    }

    @Override
    public String name() {
        return "kl_divergence";
    }

    public static KLDivergence fromConfig(Map<String, Object> config) {
        return new KLDivergence();
    }
}
