package dev.myelin.compress;

import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Activation;
import dev.myelin.nn.layers.BaseConv;
import dev.myelin.nn.layers.BaseGlobalPooling;
import dev.myelin.nn.layers.BasePooling;
import dev.myelin.nn.layers.BatchNormalization;
import dev.myelin.nn.layers.Conv1D;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Dropout;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.GaussianNoise;
import dev.myelin.nn.layers.ZeroPadding2D;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Magnitude pruning.
 * <ul>
 *   <li>Unstructured ({@link #magnitude}): zeroes the smallest-magnitude kernel weights of Dense
 *       and convolution layers, so that each kernel ({@link Scope#LAYER}) or all of them together
 *       ({@link Scope#GLOBAL}, one threshold) reach the requested sparsity exactly (ties broken by
 *       position). Returns the masks, which {@link PruningCallback} re-applies while fine-tuning.
 *       Biases are never pruned.</li>
 *   <li>Structured ({@link #structured}): removes whole units of Dense layers and whole filters of
 *       Conv1D/Conv2D layers, those with the smallest L1 norm, from a Sequential model, and
 *       shrinks what reads them (BatchNormalization statistics, the next Dense/convolution's input
 *       rows or channels, through pooling, Flatten and activations), so the new model is really
 *       smaller and saves smaller.</li>
 * </ul>
 *
 * <pre>{@code
 * PruningMasks masks = Pruning.magnitude(model, 0.8f, Pruning.Scope.GLOBAL, Set.of());
 * Sequential slim = Pruning.structured(model, 0.5f, Set.of("dense_1"));
 * }</pre>
 */
public final class Pruning {
    private Pruning() {}

    static {
        QuantizedLayers.register();
    }

    /** Whether each kernel reaches the sparsity on its own, or one threshold applies to all kernels together. */
    public enum Scope { LAYER, GLOBAL }

    /**
     * The kernels that pruning touches: those of Dense, Conv1D/Conv2D/Conv2DTranspose and the
     * quantization-aware layers, in model order, by layer name, except the layers named in {@code skip}.
     */
    public static Map<String, Parameter> prunableKernels(Model model, Set<String> skip) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Layer l : model.layers()) {
            if (skip.contains(l.name())) continue;
            Parameter k = switch (l) {
                case Dense d -> d.kernel();
                case BaseConv<?> c -> c.kernel();
                case QatDense d -> d.kernel();
                case QatConv2D c -> c.kernel();
                default -> null;
            };
            if (k != null) out.put(l.name(), k);
        }
        return out;
    }

    /** Unstructured magnitude pruning in place (see the class notes); returns the masks it applied. */
    public static PruningMasks magnitude(Model model, float sparsity, Scope scope, Set<String> skip) {
        Map<String, Parameter> kernels = prunableKernels(model, skip);
        if (kernels.isEmpty()) throw new IllegalArgumentException("Pruning.magnitude: " + model.describe() + " has no Dense or convolution kernels to prune");
        PruningMasks masks = masksFor(new ArrayList<>(kernels.values()), sparsity, scope);
        masks.apply();
        return masks;
    }

    /** Masks that keep the largest-magnitude weights of {@code kernels} at this sparsity, without applying them. */
    static PruningMasks masksFor(List<Parameter> kernels, float sparsity, Scope scope) {
        if (!(sparsity >= 0 && sparsity < 1)) throw new IllegalArgumentException("pruning: sparsity must be in [0, 1), got " + sparsity);
        Map<Parameter, boolean[]> keep = new LinkedHashMap<>();
        if (scope == Scope.LAYER) {
            for (Parameter p : kernels) {
                float[] w = p.value().toFloatArray();
                boolean[] k = new boolean[w.length];
                Arrays.fill(k, true);
                for (long key : smallest(List.of(w), (int) Math.floor(sparsity * (double) w.length))) k[(int) key] = false;
                keep.put(p, k);
            }
        } else {
            List<float[]> all = new ArrayList<>();
            long total = 0;
            for (Parameter p : kernels) {
                float[] w = p.value().toFloatArray();
                all.add(w);
                total += w.length;
                boolean[] k = new boolean[w.length];
                Arrays.fill(k, true);
                keep.put(p, k);
            }
            List<boolean[]> ks = new ArrayList<>(keep.values());
            for (long key : smallest(all, (int) Math.floor(sparsity * (double) total))) ks.get((int) (key >>> 32))[(int) key] = false;
        }
        return new PruningMasks(keep);
    }

    /**
     * The {@code count} entries of smallest magnitude over the arrays, each as (array index << 32 | element index):
     * sorting keys of (|w| bits, array, element); the bits of a non-negative float order like the float.
     */
    private static long[] smallest(List<float[]> arrays, int count) {
        int n = 0;
        for (float[] a : arrays) n += a.length;
        long[] keys = new long[n];
        int[] where = new int[n];
        int pos = 0;
        for (int a = 0; a < arrays.size(); a++) {
            float[] w = arrays.get(a);
            for (int i = 0; i < w.length; i++, pos++) {
                keys[pos] = ((long) Float.floatToIntBits(Math.abs(w[i])) << 32) | pos;
                where[pos] = a;
            }
        }
        Arrays.sort(keys);
        long[] out = new long[count];
        int[] starts = new int[arrays.size()];
        for (int a = 1; a < arrays.size(); a++) starts[a] = starts[a - 1] + arrays.get(a - 1).length;
        for (int i = 0; i < count; i++) {
            int p = (int) keys[i];
            int a = where[p];
            out[i] = ((long) a << 32) | (p - starts[a]);
        }
        return out;
    }

    /** Fraction of zeros among the prunable kernels' weights. */
    public static float sparsity(Model model) {
        long zeros = 0, total = 0;
        for (Parameter p : prunableKernels(model, Set.of()).values()) {
            for (float v : p.value().toFloatArray()) if (v == 0f) zeros++;
            total += p.numel();
        }
        return total == 0 ? 0f : (float) ((double) zeros / total);
    }

    // ------------------------------------------------------------------ compact storage

    /**
     * The model with each pruned Dense and ungrouped Conv1D/Conv2D layer replaced by its sparse
     * form ({@link SparseDense}, {@link SparseConv1D}, {@link SparseConv2D}: bitmask plus nonzero
     * values) wherever that stores fewer bytes than the float kernel, i.e. below 31/32 density
     * (1/8 + 4 d bytes per weight against 4); other layers are copied. Outputs are the same up to
     * float summation order. Call it after pruning and fine-tuning, to save: the result is for
     * inference. Works for Sequential and functional models; the source is unchanged.
     *
     * <pre>{@code Pruning.compact(pruned).save(Path.of("mlp-pruned.myelin"));   // about 4x smaller at 80% sparsity}</pre>
     */
    public static Model compact(Model model) {
        if (model.inputShapes() == null) throw new IllegalArgumentException("Pruning.compact: " + model.describe() + " is not built yet");
        Map<String, Integer> sparse = new LinkedHashMap<>();   // layer -> nonzeros of its kernel
        for (Layer l : model.layers()) {
            Tensor k = switch (l) {
                case Dense d -> d.kernel().value();
                case Conv2D c when c.groups() == 1 -> c.kernel().value();
                case Conv1D c when c.groups() == 1 -> c.kernel().value();
                default -> null;
            };
            if (k == null) continue;
            int nnz = SparseTensor.countNonzeros(k.toFloatArray());
            if (SparseTensor.maskBytes(k.numel()) + 4L * nnz < 4L * k.numel()) sparse.put(l.name(), nnz);
        }
        if (sparse.isEmpty()) return model;
        Map<String, Object> cfg = ModelRewrite.config(model);
        for (Object e : ModelRewrite.entries(cfg)) {
            String n = ModelRewrite.name(e);
            Integer nnz = sparse.get(n);
            if (nnz == null) continue;
            Layer l = ModelRewrite.find(model, n);
            Layer t = switch (l) {
                case Dense d -> new SparseDense(d.units(), d.activation(), d.bias() != null, nnz);
                case Conv2D c -> new SparseConv2D(c.filters(), c.kernelSize(), c.strides(), c.padding(), c.dilationRate(), c.activation(), c.useBias(), nnz);
                case Conv1D c -> new SparseConv1D(c.filters(), c.kernelSize(), c.strides(), c.padding(), c.dilationRate(), c.activation(), c.useBias(), nnz);
                default -> throw new IllegalStateException("no sparse form of " + l.describe());
            };
            ModelRewrite.replace(e, t.name(n));
        }
        Model out = ModelRewrite.build(cfg, model);
        try (var ignored = GradMode.noGrad()) {
            for (Layer l : out.layers()) {
                Layer s = ModelRewrite.find(model, l.name());
                if (s == null) continue;
                switch (l) {
                    case SparseDense d -> d.setWeights(((Dense) s).kernel().value(), ((Dense) s).bias() == null ? null : ((Dense) s).bias().value());
                    case SparseConv c -> c.setWeights(((BaseConv<?>) s).kernel().value(), ((BaseConv<?>) s).bias() == null ? null : ((BaseConv<?>) s).bias().value());
                    default -> ModelRewrite.copyWeights(s, l);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ structured

    /**
     * Removes {@code fraction} of the units (Dense) or filters (Conv1D/Conv2D, one group) of every
     * prunable layer of a Sequential model, those with the smallest L1 norm, keeping at least one.
     * A layer is prunable when it is not in {@code skip} and what reads its output, past
     * channel-wise layers (Activation, Dropout, GaussianNoise, BatchNormalization over the last
     * axis, pooling, global pooling, ZeroPadding2D, and Flatten before a Dense), is a Dense or
     * ungrouped Conv1D/Conv2D; so the output layer, and layers feeding anything else, keep their
     * size. Returns a new, smaller model with the surviving weights; the source is unchanged.
     */
    public static Sequential structured(Sequential model, float fraction, Set<String> skip) {
        if (!(fraction >= 0 && fraction < 1)) throw new IllegalArgumentException("Pruning.structured: fraction must be in [0, 1), got " + fraction);
        if (model.inputShapes() == null) throw new IllegalArgumentException("Pruning.structured: " + model.describe() + " is not built yet");
        List<Layer> layers = model.layers();
        Map<String, int[]> keptOut = new LinkedHashMap<>();   // layer -> kept output channels
        Map<String, int[]> keptIn = new LinkedHashMap<>();    // layer -> kept input positions (last axis)
        Map<String, int[]> keptChannels = new LinkedHashMap<>(); // channel-wise layer with weights (BatchNormalization) -> kept channels
        for (int i = 0; i < layers.size(); i++) {
            Layer p = layers.get(i);
            if (skip.contains(p.name()) || !structurable(p)) continue;
            int channels = outChannels(p);
            // follow the output to its reader
            List<Layer> between = new ArrayList<>();
            Layer reader = null;
            for (int j = i + 1; j < layers.size(); j++) {
                Layer l = layers.get(j);
                if (structurable(l)) {
                    reader = l;
                    break;
                }
                if (!channelWise(l)) break;
                between.add(l);
            }
            if (reader == null) continue;
            Flatten flatten = null;
            for (Layer l : between) if (l instanceof Flatten f) flatten = f;
            if (flatten != null && !(reader instanceof Dense)) continue;
            int keep = Math.max(1, (int) Math.ceil((1 - fraction) * channels));
            int[] kept = strongest(kernelOf(p), channels, keep);
            keptOut.put(p.name(), kept);
            for (Layer l : between) if (l instanceof BatchNormalization) keptChannels.put(l.name(), kept);
            int[] in = kept;
            if (flatten != null) {
                int[] fs = flatten.builtInputShapes().get(0);
                int positions = 1;
                for (int d = 0; d < fs.length - 1; d++) positions *= fs[d];
                in = new int[positions * kept.length];
                for (int q = 0, k = 0; q < positions; q++) for (int c : kept) in[k++] = q * channels + c;
            }
            keptIn.put(reader.name(), in);
        }
        if (keptOut.isEmpty()) throw new IllegalArgumentException("Pruning.structured: no layer of " + model.describe() + " can lose units or filters (see the method notes)");

        Map<String, Object> cfg = ModelRewrite.config(model);
        for (Object e : ModelRewrite.entries(cfg)) {
            int[] kept = keptOut.get(ModelRewrite.name(e));
            if (kept == null) continue;
            Map<String, Object> c = ModelRewrite.layerConfig(e);
            c.put(c.containsKey("units") ? "units" : "filters", kept.length);
        }
        Sequential out = (Sequential) ModelRewrite.build(cfg, model);
        try (var ignored = GradMode.noGrad()) {
            for (Layer l : out.layers()) {
                Layer s = ModelRewrite.find(model, l.name());
                int[] ko = keptOut.get(l.name()), ki = keptIn.get(l.name()), kc = keptChannels.get(l.name());
                if (ko == null && ki == null && kc == null) {
                    ModelRewrite.copyWeights(s, l);
                    continue;
                }
                List<Parameter> from = s.weights(), to = l.weights();
                for (int w = 0; w < from.size(); w++) {
                    Parameter a = from.get(w), b = to.get(w);
                    Tensor v = a.value().detach();
                    if (kc != null) {
                        v = take(v, 0, kc);                       // BatchNormalization: every weight is per channel
                    } else if (a.name().equals("kernel")) {
                        if (ki != null) v = take(v, v.rank() - 2, ki);   // input rows / channels
                        if (ko != null) v = take(v, v.rank() - 1, ko);   // output units / filters
                    } else if (ko != null) {
                        v = take(v, 0, ko);                       // bias
                    }
                    b.assign(v);
                }
            }
        }
        return out;
    }

    /** Dense or ungrouped Conv1D/Conv2D: layers whose output channels can be removed. */
    private static boolean structurable(Layer l) {
        return l instanceof Dense || (l instanceof Conv2D c && c.groups() == 1) || (l instanceof Conv1D c && c.groups() == 1);
    }

    /** Layers that act on each channel separately, so removing a channel before them removes it after them. */
    private static boolean channelWise(Layer l) {
        if (l instanceof BatchNormalization bn) {
            int[] in = bn.builtInputShapes() == null ? null : bn.builtInputShapes().get(0);
            return in != null && (bn.axis() == -1 || bn.axis() == in.length);
        }
        return l instanceof Activation || l instanceof Dropout || l instanceof GaussianNoise || l instanceof BasePooling<?>
                || l instanceof BaseGlobalPooling<?> || l instanceof ZeroPadding2D || l instanceof Flatten;
    }

    private static Tensor kernelOf(Layer l) {
        return l instanceof Dense d ? d.kernel().value() : ((BaseConv<?>) l).kernel().value();
    }

    private static int outChannels(Layer l) {
        return l instanceof Dense d ? d.units() : ((BaseConv<?>) l).filters();
    }

    /** The {@code keep} output channels (last axis) of largest L1 norm, in their original order. */
    private static int[] strongest(Tensor kernel, int channels, int keep) {
        float[] w = kernel.toFloatArray();
        double[] norm = new double[channels];
        for (int i = 0; i < w.length; i++) norm[i % channels] += Math.abs(w[i]);
        Integer[] order = new Integer[channels];
        for (int c = 0; c < channels; c++) order[c] = c;
        Arrays.sort(order, (a, b) -> norm[a] != norm[b] ? Double.compare(norm[b], norm[a]) : Integer.compare(a, b));
        int[] kept = new int[keep];
        for (int i = 0; i < keep; i++) kept[i] = order[i];
        Arrays.sort(kept);
        return kept;
    }

    /** The entries of {@code t} at positions {@code idx} along {@code axis}, a copy. */
    static Tensor take(Tensor t, int axis, int[] idx) {
        int[] shape = t.shape();
        float[] d = t.toFloatArray();
        int inner = 1, outer = 1, n = shape[axis];
        for (int a = axis + 1; a < shape.length; a++) inner *= shape[a];
        for (int a = 0; a < axis; a++) outer *= shape[a];
        float[] r = new float[outer * idx.length * inner];
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < idx.length; k++) {
                System.arraycopy(d, (o * n + idx[k]) * inner, r, (o * idx.length + k) * inner, inner);
            }
        }
        shape[axis] = idx.length;
        return Tensor.wrap(r, shape);
    }
}
