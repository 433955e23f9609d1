package dev.myelin.nn.optimizers.schedules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.myelin.nn.optimizers.schedules.ScheduleConfig.*;

/**
 * Keras's {@code PiecewiseConstantDecay} (a step decay): {@code values[0]} while
 * {@code step <= boundaries[0]}, {@code values[i]} while {@code boundaries[i-1] < step <= boundaries[i]},
 * and the last value after the last boundary.
 *
 * <pre>{@code new SGD(1f).schedule(new PiecewiseConstantDecay(new long[]{100_000, 110_000}, new double[]{1.0, 0.5, 0.1}));}</pre>
 */
public final class PiecewiseConstantDecay implements LearningRateSchedule {
    private final long[] boundaries;
    private final double[] values;

    /** {@code boundaries} strictly increasing, one value more than boundaries. */
    public PiecewiseConstantDecay(long[] boundaries, double[] values) {
        if (boundaries.length != values.length - 1) {
            throw new IllegalArgumentException("PiecewiseConstantDecay: expected one value more than boundaries, got "
                    + boundaries.length + " boundaries " + Arrays.toString(boundaries) + " and " + values.length + " values " + Arrays.toString(values));
        }
        for (int i = 1; i < boundaries.length; i++) {
            if (boundaries[i] <= boundaries[i - 1]) {
                throw new IllegalArgumentException("PiecewiseConstantDecay: boundaries must be strictly increasing, got " + Arrays.toString(boundaries));
            }
        }
        for (double v : values) finite("PiecewiseConstantDecay", "every value", v);
        this.boundaries = boundaries.clone();
        this.values = values.clone();
    }

    public long[] boundaries() {
        return boundaries.clone();
    }

    public double[] values() {
        return values.clone();
    }

    @Override
    public double rate(long step) {
        int i = 0;
        while (i < boundaries.length && step > boundaries[i]) i++;
        return values[i];
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> b = new ArrayList<>(), v = new ArrayList<>();
        for (long x : boundaries) b.add(x);
        for (double x : values) v.add(x);
        m.put("boundaries", b);
        m.put("values", v);
        return m;
    }

    public static PiecewiseConstantDecay fromConfig(Map<String, Object> c) {
        String cls = "PiecewiseConstantDecay";
        checkKeys(cls, c, List.of("boundaries", "values"));
        if (!(c.get("boundaries") instanceof List<?> b) || !(c.get("values") instanceof List<?> v)) {
            throw new IllegalArgumentException(cls + " config: 'boundaries' and 'values' must be lists of numbers, got "
                    + c.get("boundaries") + " and " + c.get("values"));
        }
        long[] bs = new long[b.size()];
        double[] vs = new double[v.size()];
        for (int i = 0; i < bs.length; i++) {
            if (!(b.get(i) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                throw new IllegalArgumentException(cls + " config: 'boundaries' must be a list of integers, got " + b);
            }
            bs[i] = n.longValue();
        }
        for (int i = 0; i < vs.length; i++) {
            if (!(v.get(i) instanceof Number n)) throw new IllegalArgumentException(cls + " config: 'values' must be a list of numbers, got " + v);
            vs[i] = n.doubleValue();
        }
        return new PiecewiseConstantDecay(bs, vs);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PiecewiseConstantDecay p && Arrays.equals(boundaries, p.boundaries) && Arrays.equals(values, p.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(boundaries) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "PiecewiseConstantDecay(boundaries=" + Arrays.toString(boundaries) + ", values=" + Arrays.toString(values) + ")";
    }
}
