package dev.myelin.nn.regularizers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A penalty added to the loss for a weight or an activation: {@code l1 * sum|w| + l2 * sum w^2},
 * as Keras's {@code L1}, {@code L2} and {@code L1L2} (no 1/2 on the squares; Keras's default
 * factor for {@code L1} and {@code L2} is 0.01).
 *
 * <pre>{@code new Dense(64).kernelRegularizer(Regularizer.l2(1e-4f))}</pre>
 */
public record Regularizer(float l1, float l2) {

    public Regularizer {
        if (!(l1 >= 0) || !(l2 >= 0) || Float.isInfinite(l1) || Float.isInfinite(l2)) {
            throw new IllegalArgumentException("regularizer factors must be finite numbers >= 0, got l1=" + l1 + ", l2=" + l2);
        }
    }

    public static Regularizer l1(float factor) {
        return new Regularizer(factor, 0f);
    }

    public static Regularizer l2(float factor) {
        return new Regularizer(0f, factor);
    }

    public static Regularizer l1l2(float l1, float l2) {
        return new Regularizer(l1, l2);
    }

    /** The penalty as a scalar tensor, differentiable in {@code w}. */
    public Tensor penalty(Tensor w) {
        Tensor p = null;
        if (l1 != 0f) p = w.abs().sum().mul(l1);
        if (l2 != 0f) {
            Tensor q = w.square().sum().mul(l2);
            p = p == null ? q : p.add(q);
        }
        return p == null ? Tensor.scalar(0f) : p;
    }

    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("l1", (double) l1);
        m.put("l2", (double) l2);
        return m;
    }

    /** From a config map, or null for null. */
    public static Regularizer fromConfig(Object config) {
        if (config == null) return null;
        Map<String, Object> m = Config.map(config, "regularizer");
        return new Regularizer(Config.getFloat(m, "l1", 0f), Config.getFloat(m, "l2", 0f));
    }
}
