package dev.myelin.compress;

import dev.myelin.core.DType;
import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Sizes of models and model files, to report what compression saved.
 *
 * <pre>{@code
 * System.out.println(ModelSizes.compare(Path.of("mlp.myelin"), Path.of("mlp-int8.myelin")));
 * // mlp.myelin: 1.23 MB -> mlp-int8.myelin: 0.33 MB (26.8%, 3.73x smaller)
 * }</pre>
 */
public final class ModelSizes {
    private ModelSizes() {}

    /** Two files' sizes: a reference (float) model and its compressed form. */
    public record Comparison(Path reference, long referenceBytes, Path compressed, long compressedBytes) {
        /** compressed / reference. */
        public double ratio() {
            return referenceBytes == 0 ? Double.NaN : (double) compressedBytes / referenceBytes;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %s -> %s: %s (%.1f%%, %.2fx smaller)", reference.getFileName(), human(referenceBytes),
                    compressed.getFileName(), human(compressedBytes), 100 * ratio(), 1 / ratio());
        }
    }

    /** The sizes of two model files on disk. */
    public static Comparison compare(Path reference, Path compressed) throws IOException {
        return new Comparison(reference, Files.size(reference), compressed, Files.size(compressed));
    }

    /** Bytes of the model's weights in memory: elements times their dtype's size. */
    public static long weightBytes(Model model) {
        long n = 0;
        for (Parameter p : model.weights()) n += (long) p.numel() * p.value().dtype().byteSize();
        return n;
    }

    /** Weight bytes per dtype (float32 for float layers and scales, int8 for quantized values). */
    public static Map<DType, Long> weightBytesByType(Model model) {
        Map<DType, Long> out = new EnumMap<>(DType.class);
        for (Parameter p : model.weights()) out.merge(p.value().dtype(), (long) p.numel() * p.value().dtype().byteSize(), Long::sum);
        return out;
    }

    /** "812 B", "3.4 KB", "1.23 MB" (powers of 1000). */
    public static String human(long bytes) {
        if (bytes < 1000) return bytes + " B";
        if (bytes < 1_000_000) return String.format(Locale.ROOT, "%.1f KB", bytes / 1e3);
        if (bytes < 1_000_000_000) return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
