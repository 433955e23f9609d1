package dev.myelin.compress;

import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Layers;

import java.util.Map;

/**
 * Makes this module's layers loadable from saved architectures. {@link Layers} finds built-in
 * layers by class name in {@code dev.myelin.nn.layers}; these live here, so they are registered
 * with {@link Layers#register} under their class names. Call {@link #register()} once before
 * loading a model file that holds them (the CLI and the server do it at start-up); using any of
 * them, {@link Quantizer}, {@link Pruning} or {@link QuantizationAware} registers them too.
 *
 * <pre>{@code
 * QuantizedLayers.register();
 * Model m = ModelFile.load(Path.of("mlp-int8.myelin"));
 * }</pre>
 */
public final class QuantizedLayers {
    private QuantizedLayers() {}

    /** The "quantization" key of a quantized layer's config: symmetric int8, weights per output channel, activations per row at run time. */
    static final String DYNAMIC_INT8 = "int8_dynamic_per_channel";

    private static volatile boolean registered;

    /** Registers QuantizedDense, QuantizedConv1D, QuantizedConv2D, QuantizedEmbedding, FakeQuant, QatDense, QatConv2D, QuantizedLSTM, QuantizedGRU and the sparse layers; idempotent. */
    public static void register() {
        if (registered) return;
        synchronized (QuantizedLayers.class) {
            if (registered) return;
            Layers.register("QuantizedDense", QuantizedDense::fromConfig);
            Layers.register("QuantizedConv1D", QuantizedConv1D::fromConfig);
            Layers.register("QuantizedConv2D", QuantizedConv2D::fromConfig);
            Layers.register("QuantizedEmbedding", QuantizedEmbedding::fromConfig);
            Layers.register("FakeQuant", FakeQuant::fromConfig);
            Layers.register("QatDense", QatDense::fromConfig);
            Layers.register("QatConv2D", QatConv2D::fromConfig);
            Layers.register("QuantizedLSTM", QuantizedLSTM::fromConfig);
            Layers.register("QuantizedGRU", QuantizedGRU::fromConfig);
            Layers.register("SparseDense", SparseDense::fromConfig);
            Layers.register("SparseConv1D", SparseConv1D::fromConfig);
            Layers.register("SparseConv2D", SparseConv2D::fromConfig);
            registered = true;
        }
    }

    /** Quantized layers have no backward pass: they run in inference mode only. */
    static void requireInference(Layer layer, Context ctx) {
        if (ctx.training()) {
            throw new IllegalStateException(layer.describe() + " is inference-only (int8 weights, no gradient); fine-tune the float model, "
                    + "or train with QuantizationAware.prepare(model), then quantize");
        }
    }

    /** The "input_quantization" key: "dynamic" (per row or sample at run time, the default) or "static" (a calibrated scale). */
    static boolean staticInput(String owner, Map<String, Object> c) {
        String mode = Config.getString(c, "input_quantization", "dynamic");
        if (!mode.equals("dynamic") && !mode.equals("static")) {
            throw new IllegalArgumentException(owner + ": input_quantization must be \"dynamic\" or \"static\", got \"" + mode + "\"");
        }
        return mode.equals("static");
    }

    /** Whether an activation name is relu, which the int8 kernels apply while rescaling (no separate pass). */
    static boolean isRelu(String activation) {
        return activation != null && activation.toLowerCase(java.util.Locale.ROOT).equals("relu");
    }

    /** Whether an activation name is the identity. */
    static boolean isLinear(String activation) {
        if (activation == null) return true;
        String a = activation.toLowerCase(java.util.Locale.ROOT);
        return a.equals("linear") || a.equals("identity") || a.equals("none");
    }

    static void checkScheme(String owner, Map<String, Object> c) {
        String scheme = Config.getString(c, "quantization", DYNAMIC_INT8);
        if (!scheme.equals(DYNAMIC_INT8)) {
            throw new IllegalArgumentException(owner + ": unknown quantization scheme '" + scheme + "'; this Myelin knows '" + DYNAMIC_INT8 + "'");
        }
    }
}
