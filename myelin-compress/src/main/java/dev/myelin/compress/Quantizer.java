package dev.myelin.compress;

import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.BaseConv;
import dev.myelin.nn.layers.BatchNormalization;
import dev.myelin.nn.layers.Conv1D;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.GRU;
import dev.myelin.nn.layers.LSTM;
import dev.myelin.nn.layers.RecurrentLayer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Post-training quantization. {@link #dynamic} returns a new model in which Dense, Conv1D and
 * Conv2D layers become {@link QuantizedDense}, {@link QuantizedConv1D} and {@link QuantizedConv2D}
 * (int8 weights with one scale per output channel; activations quantized per sample at run time),
 * LSTM and GRU become {@link QuantizedLSTM} and {@link QuantizedGRU} (int8 input and recurrent
 * kernels) and Embedding becomes {@link QuantizedEmbedding}; other layers are copied as they are. Layers
 * trained with {@link QuantizationAware} ({@link QatDense}, {@link QatConv2D}) convert the same
 * way, and {@link FakeQuant} layers, having done their work in training, are dropped. The source
 * model is not changed. {@link #staticInt8} does the same with activation scales calibrated on
 * sample data. The result saves and loads through {@code ModelFile} (int8 weights as I8
 * tensors, scales as F32) once {@link QuantizedLayers#register()} has run in the loading JVM.
 *
 * <pre>{@code
 * Model int8 = Quantizer.dynamic(model, QuantizeOptions.defaults());
 * int8.save(Path.of("mlp-int8.myelin"));
 * }</pre>
 */
public final class Quantizer {
    private Quantizer() {}

    static {
        QuantizedLayers.register();
    }

    /** Dynamic int8 quantization with {@link QuantizeOptions#defaults()}. */
    public static Model dynamic(Model model) {
        return dynamic(model, QuantizeOptions.defaults());
    }

    /** Dynamic int8 quantization (see the class notes); {@code model} must be built. */
    public static Model dynamic(Model model, QuantizeOptions options) {
        if (model.inputShapes() == null) throw new IllegalArgumentException("Quantizer.dynamic: " + model.describe() + " is not built yet");
        Model src = options.foldBatchNorm() ? foldBatchNorm(model) : model;
        return convert(src, chooseLayers(src, options), Map.of());
    }

    /**
     * Static int8 quantization of a Sequential model: as {@link #dynamic}, but each quantized
     * Dense and convolution quantizes its input with one fixed scale, calibrated by running
     * {@code samples} (batch axis first) through the float model and applying {@code calibration}
     * to the magnitudes each such layer receives; this saves the per-row max-abs pass at run time,
     * and percentile calibration clips rare outliers. Embeddings stay weight-only quantized.
     *
     * <pre>{@code Model int8 = Quantizer.staticInt8(model, QuantizeOptions.defaults(), xTrain.slice(0, 0, 512), Calibration.percentile(99.99));}</pre>
     */
    public static Model staticInt8(Model model, QuantizeOptions options, Tensor samples, Calibration calibration) {
        if (!(model instanceof Sequential)) {
            throw new IllegalArgumentException("Quantizer.staticInt8: calibration follows the activations of a Sequential model; "
                    + model.describe() + " is not one (use Quantizer.dynamic)");
        }
        if (model.inputShapes() == null) throw new IllegalArgumentException("Quantizer.staticInt8: " + model.describe() + " is not built yet");
        Model src = options.foldBatchNorm() ? foldBatchNorm(model) : model;
        Set<String> chosen = chooseLayers(src, options);
        Set<String> calibrated = new LinkedHashSet<>();
        for (String n : chosen) if (!(ModelRewrite.find(src, n) instanceof Embedding || isRecurrent(ModelRewrite.find(src, n)))) calibrated.add(n);
        return convert(src, chosen, calibrate(src, calibrated, samples, calibration));
    }

    /** Input ranges of the named layers of a Sequential model over the samples. */
    static Map<String, Float> calibrate(Model model, Set<String> names, Tensor samples, Calibration calibration) {
        Map<String, float[]> seen = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        int n = samples.size(0), batch = 64;
        try (var ignored = GradMode.noGrad()) {
            for (int start = 0; start < n; start += batch) {
                Tensor x = samples.slice(0, start, Math.min(n, start + batch));
                for (Layer l : model.layers()) {
                    if (names.contains(l.name())) {
                        float[] v = x.toFloatArray();
                        int have = counts.getOrDefault(l.name(), 0);
                        if ((long) have + v.length > MAX_CALIBRATION_VALUES) {
                            throw new IllegalArgumentException("Quantizer.staticInt8: more than " + MAX_CALIBRATION_VALUES + " activations reach "
                                    + l.describe() + "; calibrate on fewer samples (a few hundred are usually enough)");
                        }
                        float[] buf = seen.get(l.name());
                        if (buf == null || buf.length < have + v.length) {
                            buf = Arrays.copyOf(buf == null ? new float[0] : buf, Math.max(2 * (have + v.length), 1024));
                            seen.put(l.name(), buf);
                        }
                        for (int i = 0; i < v.length; i++) buf[have + i] = Math.abs(v[i]);
                        counts.put(l.name(), have + v.length);
                    }
                    x = l.apply(x, Context.inference());
                }
            }
        }
        Map<String, Float> ranges = new LinkedHashMap<>();
        for (String name : names) {
            float[] buf = seen.get(name);
            ranges.put(name, buf == null ? 0f : calibration.range(buf, counts.get(name)));
        }
        return ranges;
    }

    /** Activations kept per layer while calibrating (64 MiB of floats). */
    static final int MAX_CALIBRATION_VALUES = 1 << 24;

    /** Replaces the chosen layers; those with a calibrated input range get a static input scale. */
    private static Model convert(Model src, Set<String> chosen, Map<String, Float> inputRanges) {
        Map<String, Object> cfg = ModelRewrite.config(src);
        List<Object> entries = ModelRewrite.entries(cfg);
        boolean sequential = src instanceof Sequential;
        for (int i = entries.size() - 1; i >= 0; i--) {
            Object e = entries.get(i);
            String name = ModelRewrite.name(e);
            Layer l = ModelRewrite.find(src, name);
            if (l instanceof FakeQuant && sequential) {
                entries.remove(i);      // its work was done in training; in a graph it stays and keeps fake-quantizing
            } else if (chosen.contains(name)) {
                ModelRewrite.replace(e, template(l, inputRanges.containsKey(name)));
            }
        }
        Model out = ModelRewrite.build(cfg, src);
        try (var ignored = GradMode.noGrad()) {
            for (Layer l : out.layers()) {
                Layer s = ModelRewrite.find(src, l.name());
                if (s == null) continue;
                switch (l) {
                    case QuantizedDense q -> {
                        if (s instanceof Dense d) q.setWeights(d.kernel().value(), d.bias() == null ? null : d.bias().value());
                        else if (s instanceof QatDense d) q.setWeights(d.kernel().value(), d.bias() == null ? null : d.bias().value());
                        else ModelRewrite.copyWeights(s, l);
                        if (inputRanges.containsKey(l.name())) q.setInputScale(staticScale(inputRanges.get(l.name())));
                    }
                    case QuantizedConv q -> {
                        if (s instanceof BaseConv<?> c) q.setWeights(c.kernel().value(), c.bias() == null ? null : c.bias().value());
                        else if (s instanceof QatConv2D c) q.setWeights(c.kernel().value(), c.bias() == null ? null : c.bias().value());
                        else ModelRewrite.copyWeights(s, l);
                        if (inputRanges.containsKey(l.name())) q.setInputScale(staticScale(inputRanges.get(l.name())));
                    }
                    case QuantizedEmbedding q when s instanceof Embedding emb -> q.setWeights(emb.embeddings().value());
                    case QuantizedRecurrent q when s instanceof RecurrentLayer<?> r ->
                            q.setWeights(r.kernel().value(), r.recurrentKernel().value(), r.bias() == null ? null : r.bias().value());
                    default -> ModelRewrite.copyWeights(s, l);
                }
            }
        }
        return out;
    }

    /** range / 127; a layer that only ever saw zeros gets the scale of range 1 (its zeros stay exact). */
    private static float staticScale(float range) {
        return (range > 0 ? range : 1f) / QTensor.QMAX;
    }

    /** The names of the layers {@link #dynamic} converts under these options. */
    public static Set<String> chooseLayers(Model model, QuantizeOptions options) {
        Set<String> all = new LinkedHashSet<>();
        for (Layer l : model.layers()) all.add(l.name());
        for (String n : options.keepFloat()) {
            if (!all.contains(n)) throw new IllegalArgumentException("QuantizeOptions.keepFloat: no layer named '" + n + "'; layers: " + all);
        }
        String last = null;
        for (Layer l : model.layers()) if (isLinearKind(l)) last = l.name();
        Set<String> out = new LinkedHashSet<>();
        for (Layer l : model.layers()) {
            boolean candidate = isLinearKind(l) || isRecurrent(l) || (options.quantizeEmbeddings() && l instanceof Embedding);
            if (!candidate || options.keepFloat().contains(l.name())) continue;
            if (options.keepLastFloat() && l.name().equals(last)) continue;
            out.add(l.name());
        }
        return out;
    }

    /** LSTM and GRU, whose int8 forms are {@link QuantizedLSTM} and {@link QuantizedGRU}. */
    private static boolean isRecurrent(Layer l) {
        return l instanceof LSTM || l instanceof GRU;
    }

    /** Dense, ungrouped Conv1D/Conv2D, and their quantization-aware forms. */
    private static boolean isLinearKind(Layer l) {
        return l instanceof Dense || l instanceof QatDense || l instanceof QatConv2D
                || (l instanceof Conv2D c && c.groups() == 1) || (l instanceof Conv1D c && c.groups() == 1);
    }

    /** An unbuilt quantized layer with the same name and settings, whose config goes into the new architecture. */
    private static Layer template(Layer l, boolean staticInput) {
        Layer q = switch (l) {
            case Dense d -> new QuantizedDense(d.units(), d.activation(), d.bias() != null).staticInput(staticInput);
            case QatDense d -> new QuantizedDense(d.units(), d.activation(), d.bias() != null).staticInput(staticInput);
            case Conv2D c -> new QuantizedConv2D(c.filters(), c.kernelSize(), c.strides(), c.padding(), c.dilationRate(), c.activation(), c.useBias())
                    .staticInput(staticInput);
            case QatConv2D c -> new QuantizedConv2D(c.filters(), c.kernelSize(), c.strides(), c.padding(), c.dilationRate(), c.activation(), c.bias() != null)
                    .staticInput(staticInput);
            case Conv1D c -> new QuantizedConv1D(c.filters(), c.kernelSize(), c.strides(), c.padding(), c.dilationRate(), c.activation(), c.useBias())
                    .staticInput(staticInput);
            case Embedding e -> new QuantizedEmbedding(e.inputDim(), e.outputDim(), e.maskZero());
            case RecurrentLayer<?> r -> QuantizedRecurrent.template(r);   // dynamic only: each step's h is quantized per sample
            default -> throw new IllegalStateException("no quantized form of " + l.describe());
        };
        return q.name(l.name());
    }

    // ------------------------------------------------------------------ batch-norm folding

    /**
     * Folds each BatchNormalization (over the last axis) that directly follows a Dense, Conv1D or
     * Conv2D with a linear activation into that layer, in a Sequential model: with
     * a = gamma / sqrt(moving_variance + epsilon), the layer's kernel becomes kernel * a (per
     * output channel) and its bias (bias - moving_mean) * a + beta, and the BatchNormalization
     * goes. Inference results stay the same up to float rounding. Returns a new model, or
     * {@code model} itself when there is nothing to fold (or it is not Sequential).
     */
    public static Model foldBatchNorm(Model model) {
        if (!(model instanceof Sequential)) return model;
        List<Layer> layers = model.layers();
        Map<String, BatchNormalization> folds = new LinkedHashMap<>();
        for (int i = 0; i + 1 < layers.size(); i++) {
            Layer l = layers.get(i);
            if (layers.get(i + 1) instanceof BatchNormalization bn && foldable(l, bn)) folds.put(l.name(), bn);
        }
        if (folds.isEmpty()) return model;
        Map<String, Object> cfg = ModelRewrite.config(model);
        List<Object> entries = ModelRewrite.entries(cfg);
        Set<String> dropped = new LinkedHashSet<>();
        for (BatchNormalization bn : folds.values()) dropped.add(bn.name());
        List<Object> kept = new ArrayList<>();
        for (Object e : entries) {
            String n = ModelRewrite.name(e);
            if (dropped.contains(n)) continue;
            if (folds.containsKey(n)) ModelRewrite.layerConfig(e).put("use_bias", true);
            kept.add(e);
        }
        entries.clear();
        entries.addAll(kept);
        Model out = ModelRewrite.build(cfg, model);
        try (var ignored = GradMode.noGrad()) {
            for (Layer l : out.layers()) {
                Layer s = ModelRewrite.find(model, l.name());
                BatchNormalization bn = folds.get(l.name());
                if (bn == null) {
                    ModelRewrite.copyWeights(s, l);
                    continue;
                }
                Tensor kernel = s instanceof Dense d ? d.kernel().value() : ((BaseConv<?>) s).kernel().value();
                Tensor bias = s instanceof Dense d ? (d.bias() == null ? null : d.bias().value())
                        : ((BaseConv<?>) s).bias() == null ? null : ((BaseConv<?>) s).bias().value();
                Tensor a = bn.movingVariance().value().add(bn.epsilon()).rsqrt();
                if (bn.gamma() != null) a = a.mul(bn.gamma().value());
                Tensor b = (bias == null ? bn.movingMean().value().neg() : bias.sub(bn.movingMean().value())).mul(a);
                if (bn.beta() != null) b = b.add(bn.beta().value());
                Tensor k = kernel.mul(a);   // a broadcasts over the last axis: one factor per output channel
                if (l instanceof Dense d) {
                    d.kernel().assign(k);
                    d.bias().assign(b);
                } else {
                    ((BaseConv<?>) l).kernel().assign(k);
                    ((BaseConv<?>) l).bias().assign(b);
                }
            }
        }
        return out;
    }

    private static boolean foldable(Layer l, BatchNormalization bn) {
        if (!(l instanceof Dense || l instanceof Conv1D || l instanceof Conv2D)) return false;
        String act = l instanceof Dense d ? d.activation() : ((BaseConv<?>) l).activation();
        if (act != null && !act.equals("linear")) return false;
        int[] in = bn.builtInputShapes() == null ? null : bn.builtInputShapes().get(0);
        if (in == null) return false;
        int axis = bn.axis();
        return axis == -1 || axis == in.length;   // the channel axis is the last one
    }
}
