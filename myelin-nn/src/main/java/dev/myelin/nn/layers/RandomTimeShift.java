package dev.myelin.nn.layers;

import dev.myelin.core.Rng;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.layers.ImageTransforms.FillMode;
import dev.myelin.nn.layers.ImageTransforms.Interpolation;

import java.util.Map;

/**
 * Randomly shifts signals along time in training (not a Keras layer): each sample of a (batch,
 * time, channels) or (batch, time) batch moves later by s steps, s drawn uniformly from the whole
 * numbers in [-maxShift, maxShift] (negative moves earlier): {@code y[t] = x[t - s]}. Steps shifted
 * in from outside are zeros with {@code fillMode} "constant" (the default), or the steps shifted
 * out at the other end with "wrap" (a roll, as {@code numpy.roll}). At inference the layer is the
 * identity. Gradients flow to the input.
 *
 * <pre>{@code new Sequential(new InputLayer(16000, 1), new RandomTimeShift(1600), new Conv1D(8, 9))   // up to 0.1 s at 16 kHz}</pre>
 */
public final class RandomTimeShift extends Layer {
    private final int maxShift;
    private FillMode fill = FillMode.CONSTANT;

    public RandomTimeShift(int maxShift) {
        if (maxShift < 0) throw new IllegalArgumentException("RandomTimeShift: maxShift must be >= 0, got " + maxShift);
        this.maxShift = maxShift;
    }

    /** "constant" (zeros, the default) or "wrap" (roll). Returns this. */
    public RandomTimeShift fillMode(String mode) {
        FillMode f = FillMode.parse("RandomTimeShift", mode);
        if (f != FillMode.CONSTANT && f != FillMode.WRAP) {
            throw new IllegalArgumentException("RandomTimeShift: fill_mode must be \"constant\" or \"wrap\", got \"" + mode + "\"");
        }
        fill = f;
        return this;
    }

    public int maxShift() {
        return maxShift;
    }

    public String fillMode() {
        return fill.keras();
    }

    private void requireSignal(int[] inputShape) {
        if (inputShape.length != 1 && inputShape.length != 2) {
            throw new IllegalArgumentException(describe() + ": expected input of shape (None, time, channels) or (None, time), got "
                    + withBatch(inputShape));
        }
    }

    @Override
    protected void build(int[] inputShape) {
        requireSignal(inputShape);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        requireSignal(inputShape);
        return inputShape.clone();
    }

    /** Same rank; the length of time may vary. */
    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        if (builtInputShapes() == null) return;
        int[] built = builtInputShapes().get(0);
        boolean ok = shapeWithBatch.length == built.length + 1
                && (built.length == 1 || built[1] < 0 || built[1] == shapeWithBatch[2]);
        if (!ok) throw new IllegalArgumentException(describe() + ": expected input shape " + withBatch(built) + ", got " + Shape.format(shapeWithBatch));
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        if (!ctx.training() || maxShift == 0) return x;
        int[] s = x.shape();
        int batch = s[0], time = s[1], channels = s.length == 3 ? s[2] : 1;
        Rng rng = ctx.rng();
        double[][] m = new double[batch][];
        for (int b = 0; b < batch; b++) {
            int shift = rng.nextInt(2 * maxShift + 1) - maxShift;
            m[b] = new double[]{1, 0, -shift, 0, 1, 0}; // step t reads t - shift
        }
        // (batch, time, channels) seen as images of one row: (batch, 1, time, channels)
        Tensor y = ImageTransforms.affine("randomTimeShift", x.toFloat().reshape(batch, 1, time, channels), m, 1, time,
                Interpolation.NEAREST, fill, 0f);
        return y.reshape(s);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("max_shift", maxShift);
        c.put("fill_mode", fill.keras());
        return c;
    }

    public static RandomTimeShift fromConfig(Map<String, Object> c) {
        RandomTimeShift r = new RandomTimeShift(Config.getInt(c, "max_shift"));
        r.fillMode(Config.getString(c, "fill_mode", "constant"));
        return withBaseConfig(r, c);
    }
}
