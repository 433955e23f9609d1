package dev.myelin.nn.init;

import dev.myelin.core.Rng;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a weight starts, as in Keras: Glorot (Xavier), He and LeCun, uniform or normal (the
 * normal ones truncated at two standard deviations and rescaled, as Keras's variance scaling),
 * orthogonal for recurrent kernels, identity, random normal/uniform/truncated normal, zeros,
 * ones, constant. Fan-in and fan-out follow Keras: for a kernel of shape
 * (..receptive field.., in, out), fan_in = in * field and fan_out = out * field.
 *
 * <pre>{@code Tensor w = Initializer.glorotUniform().create(rng, 784, 256);}</pre>
 */
public record Initializer(Kind kind, float value) {

    public enum Kind { ZEROS, ONES, CONSTANT, GLOROT_UNIFORM, GLOROT_NORMAL, HE_UNIFORM, HE_NORMAL, LECUN_NORMAL, ORTHOGONAL, RANDOM_NORMAL, RANDOM_UNIFORM, LECUN_UNIFORM, TRUNCATED_NORMAL, IDENTITY }

    public Initializer {
        if (kind == null) throw new IllegalArgumentException("initializer kind must not be null");
        if (!Float.isFinite(value)) throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT) + " initializer: value must be finite, got " + value);
        if ((kind == Kind.RANDOM_NORMAL || kind == Kind.TRUNCATED_NORMAL || kind == Kind.RANDOM_UNIFORM) && value < 0) {
            throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT) + " initializer: the spread must be >= 0, got " + value);
        }
    }

    /** Keras's fans of a weight shape: for (..receptive field.., in, out), in * field and out * field. */
    public record Fans(long fanIn, long fanOut) {}

    /** The fans Keras's variance-scaling initializers use: rank 0 gives (1, 1), rank 1 (n, n). */
    public static Fans fans(int... shape) {
        if (shape.length == 0) return new Fans(1, 1);
        if (shape.length == 1) return new Fans(shape[0], shape[0]);
        long field = 1;
        for (int i = 0; i < shape.length - 2; i++) field *= shape[i];
        return new Fans(shape[shape.length - 2] * field, shape[shape.length - 1] * field);
    }

    public static Initializer zeros() { return new Initializer(Kind.ZEROS, 0f); }

    public static Initializer ones() { return new Initializer(Kind.ONES, 1f); }

    public static Initializer constant(float v) { return new Initializer(Kind.CONSTANT, v); }

    public static Initializer glorotUniform() { return new Initializer(Kind.GLOROT_UNIFORM, 1f); }

    public static Initializer glorotNormal() { return new Initializer(Kind.GLOROT_NORMAL, 1f); }

    public static Initializer heUniform() { return new Initializer(Kind.HE_UNIFORM, 1f); }

    public static Initializer heNormal() { return new Initializer(Kind.HE_NORMAL, 1f); }

    public static Initializer lecunNormal() { return new Initializer(Kind.LECUN_NORMAL, 1f); }

    /** A (semi-)orthogonal matrix times {@code gain}, for recurrent kernels. */
    public static Initializer orthogonal(float gain) { return new Initializer(Kind.ORTHOGONAL, gain); }

    /** Normal with mean 0 and the given standard deviation (Keras's default 0.05). */
    public static Initializer randomNormal(float std) { return new Initializer(Kind.RANDOM_NORMAL, std); }

    /** Uniform in [-limit, limit] (Keras's default 0.05). */
    public static Initializer randomUniform(float limit) { return new Initializer(Kind.RANDOM_UNIFORM, limit); }

    /** Uniform in [-sqrt(3 / fan_in), sqrt(3 / fan_in)]. */
    public static Initializer lecunUniform() { return new Initializer(Kind.LECUN_UNIFORM, 1f); }

    /** Normal with mean 0 and this standard deviation, redrawn beyond two of them (Keras's default 0.05). */
    public static Initializer truncatedNormal(float std) { return new Initializer(Kind.TRUNCATED_NORMAL, std); }

    /** {@code gain} times the identity matrix, for 2-D shapes (rectangular allowed). */
    public static Initializer identity(float gain) { return new Initializer(Kind.IDENTITY, gain); }

    /** A new tensor of the given shape, drawn from {@code rng} (the same seed gives the same tensor). */
    public Tensor create(Rng rng, int... shape) {
        Fans f = fans(shape);
        double fanIn = f.fanIn(), fanOut = f.fanOut();
        // variance scaling's truncated normal: std / .8796 so the draw, cut at 2 std, keeps the wanted std
        final double truncCorrection = .87962566103423978;
        return switch (kind) {
            case ZEROS -> Tensor.zeros(shape);
            case ONES -> Tensor.ones(shape);
            case CONSTANT -> Tensor.full(value, shape);
            case GLOROT_UNIFORM -> uniform(rng, Math.sqrt(6.0 / (fanIn + fanOut)), shape);
            case GLOROT_NORMAL -> Tensor.truncatedNormal(rng, 0f, (float) (Math.sqrt(2.0 / (fanIn + fanOut)) / truncCorrection), shape);
            case HE_UNIFORM -> uniform(rng, Math.sqrt(6.0 / fanIn), shape);
            case HE_NORMAL -> Tensor.truncatedNormal(rng, 0f, (float) (Math.sqrt(2.0 / fanIn) / truncCorrection), shape);
            case LECUN_NORMAL -> Tensor.truncatedNormal(rng, 0f, (float) (Math.sqrt(1.0 / fanIn) / truncCorrection), shape);
            case LECUN_UNIFORM -> uniform(rng, Math.sqrt(3.0 / fanIn), shape);
            case ORTHOGONAL -> orthogonalMatrix(rng, shape).mul(value);
            case RANDOM_NORMAL -> Tensor.normal(rng, 0f, value, shape);
            case RANDOM_UNIFORM -> uniform(rng, value, shape);
            case TRUNCATED_NORMAL -> Tensor.truncatedNormal(rng, 0f, value, shape);
            case IDENTITY -> identityMatrix(value, shape);
        };
    }

    private static Tensor identityMatrix(float gain, int[] shape) {
        if (shape.length != 2) {
            throw new IllegalArgumentException("identity initializer needs a 2-D shape, got " + Shape.format(shape));
        }
        float[] d = new float[shape[0] * shape[1]];
        for (int i = 0; i < Math.min(shape[0], shape[1]); i++) d[i * shape[1] + i] = gain;
        return Tensor.of(d, shape);
    }

    private static Tensor uniform(Rng rng, double limit, int[] shape) {
        return Tensor.uniform(rng, (float) -limit, (float) limit, shape);
    }

    /** Gram-Schmidt (in double) on a normal matrix flattened to (prod(shape[:-1]), shape[-1]). */
    private static Tensor orthogonalMatrix(Rng rng, int[] shape) {
        if (shape.length < 2 || Shape.numel(shape) == 0) {
            throw new IllegalArgumentException("orthogonal initializer needs a non-empty shape of rank 2 or more, got " + Shape.format(shape));
        }
        int cols = shape[shape.length - 1];
        int rows = 1;
        for (int i = 0; i < shape.length - 1; i++) rows *= shape[i];
        boolean transpose = rows < cols; // orthonormalise the longer side's vectors
        int n = transpose ? rows : cols, len = transpose ? cols : rows;
        double[][] v = new double[n][len];
        for (double[] row : v) for (int i = 0; i < len; i++) row[i] = rng.nextGaussian();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double d = 0;
                for (int k = 0; k < len; k++) d += v[i][k] * v[j][k];
                for (int k = 0; k < len; k++) v[i][k] -= d * v[j][k];
            }
            double norm = 0;
            for (int k = 0; k < len; k++) norm += v[i][k] * v[i][k];
            norm = Math.sqrt(norm);
            for (int k = 0; k < len; k++) v[i][k] /= norm;
        }
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) out[r * cols + c] = (float) (transpose ? v[r][c] : v[c][r]);
        }
        return Tensor.of(out, shape);
    }

    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind.name().toLowerCase(Locale.ROOT));
        m.put("value", (double) value);
        return m;
    }

    public static Initializer fromConfig(Object config) {
        if (config instanceof String s) return byName(s);
        Map<String, Object> m = dev.myelin.nn.Config.map(config, "initializer");
        String kind = dev.myelin.nn.Config.getString(m, "kind");
        try {
            return new Initializer(Kind.valueOf(kind.toUpperCase(Locale.ROOT)), dev.myelin.nn.Config.getFloat(m, "value", 1f));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown initializer '" + kind + "'", e);
        }
    }

    /** By Keras name: "glorot_uniform", "he_normal", "zeros", "ones", "orthogonal", ... */
    public static Initializer byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "zeros" -> zeros();
            case "ones" -> ones();
            case "glorot_uniform", "xavier_uniform" -> glorotUniform();
            case "glorot_normal", "xavier_normal" -> glorotNormal();
            case "he_uniform" -> heUniform();
            case "he_normal" -> heNormal();
            case "lecun_normal" -> lecunNormal();
            case "orthogonal" -> orthogonal(1f);
            case "random_normal" -> randomNormal(0.05f);
            case "random_uniform" -> randomUniform(0.05f);
            case "lecun_uniform" -> lecunUniform();
            case "truncated_normal" -> truncatedNormal(0.05f);
            case "identity" -> identity(1f);
            default -> throw new IllegalArgumentException("unknown initializer '" + name
                    + "': expected one of zeros, ones, glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_normal, lecun_uniform, "
                    + "orthogonal, random_normal, random_uniform, truncated_normal, identity");
        };
    }
}
