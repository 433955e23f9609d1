package dev.myelin.compress;

import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Quantization-aware training: {@link #prepare} returns a copy of a trained float model in which
 * the Dense and ungrouped Conv2D layers that {@link Quantizer#dynamic} would quantize become
 * {@link QatDense} and {@link QatConv2D}, which compute with fake-quantized weights and inputs
 * (straight-through gradients). Compile and fine-tune it for a few epochs, then quantize it.
 *
 * <pre>{@code
 * Model qat = QuantizationAware.prepare(model, QuantizeOptions.defaults());
 * qat.compile(new Adam(1e-4f), "sparse_categorical_crossentropy", "accuracy");
 * qat.fit(x, y, new FitOptions().epochs(2));
 * Model int8 = Quantizer.dynamic(qat);
 * }</pre>
 */
public final class QuantizationAware {
    private QuantizationAware() {}

    static {
        QuantizedLayers.register();
    }

    /** The quantization-aware copy (see the class notes); Conv1D and Embedding layers stay as they are. */
    public static Model prepare(Model model, QuantizeOptions options) {
        if (model.inputShapes() == null) throw new IllegalArgumentException("QuantizationAware.prepare: " + model.describe() + " is not built yet");
        Set<String> chosen = Quantizer.chooseLayers(model, options);
        Map<String, Object> cfg = ModelRewrite.config(model);
        List<Object> entries = ModelRewrite.entries(cfg);
        for (Object e : entries) {
            Layer l = ModelRewrite.find(model, ModelRewrite.name(e));
            if (l == null || !chosen.contains(l.name())) continue;
            if (l instanceof Dense d) ModelRewrite.replace(e, new QatDense(d.units(), d.activation(), d.bias() != null).name(l.name()));
            else if (l instanceof Conv2D c && c.groups() == 1) {
                ModelRewrite.replace(e, new QatConv2D(c.filters(), c.kernelSize(), c.strides(), c.padding(), c.dilationRate(), c.activation(), c.useBias()).name(l.name()));
            }
        }
        Model out = ModelRewrite.build(cfg, model);
        for (Layer l : out.layers()) {
            Layer s = ModelRewrite.find(model, l.name());
            if (s != null) ModelRewrite.copyWeights(s, l);
        }
        return out;
    }
}
