package dev.myelin.compress;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@link Quantizer#dynamic} converts. By default every Dense, Conv1D and Conv2D (ungrouped),
 * LSTM, GRU and Embedding layer is quantized except the last Dense/convolution (the output layer, where
 * int8 error shows most and which is usually small), and a BatchNormalization that directly
 * follows a linear Dense or convolution is folded into it first.
 *
 * <pre>{@code Quantizer.dynamic(model, QuantizeOptions.defaults().keepFloat("embedding").keepLastFloat(false))}</pre>
 *
 * @param keepLastFloat      leave the last Dense/convolution in float
 * @param keepFloat          names of further layers to leave in float
 * @param foldBatchNorm      fold BatchNormalization into the preceding linear Dense/convolution (Sequential models)
 * @param quantizeEmbeddings quantize Embedding tables too
 */
public record QuantizeOptions(boolean keepLastFloat, Set<String> keepFloat, boolean foldBatchNorm, boolean quantizeEmbeddings) {

    public QuantizeOptions {
        keepFloat = Set.copyOf(keepFloat);
    }

    /** Last layer float, nothing else kept, BatchNormalization folded, embeddings quantized. */
    public static QuantizeOptions defaults() {
        return new QuantizeOptions(true, Set.of(), true, true);
    }

    public QuantizeOptions keepLastFloat(boolean value) {
        return new QuantizeOptions(value, keepFloat, foldBatchNorm, quantizeEmbeddings);
    }

    /** Adds layer names to leave in float. */
    public QuantizeOptions keepFloat(String... names) {
        Set<String> s = new LinkedHashSet<>(keepFloat);
        s.addAll(List.of(names));
        return new QuantizeOptions(keepLastFloat, s, foldBatchNorm, quantizeEmbeddings);
    }

    public QuantizeOptions foldBatchNorm(boolean value) {
        return new QuantizeOptions(keepLastFloat, keepFloat, value, quantizeEmbeddings);
    }

    public QuantizeOptions quantizeEmbeddings(boolean value) {
        return new QuantizeOptions(keepLastFloat, keepFloat, foldBatchNorm, value);
    }
}
