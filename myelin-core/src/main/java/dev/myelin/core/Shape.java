package dev.myelin.core;

import java.util.Arrays;

/** Shape arithmetic, apart from the maths: sizes, strides, broadcasting, axis normalisation. */
public final class Shape {
    private Shape() {}

    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + format(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("shape " + format(shape) + " has " + n + " elements; at most 2^31 - 17 fit in one tensor");
        }
        return (int) n;
    }

    /** Row-major (C-order) strides. */
    public static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return st;
    }

    /** "(2, 3, 4)"; a scalar is "()". */
    public static String format(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        if (shape.length == 1) sb.append(',');
        return sb.append(')').toString();
    }

    /** Numpy broadcasting of two shapes, or an error naming the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": cannot broadcast " + format(a) + " with " + format(b)
                        + ": dimension " + i + " is " + da + " vs " + db + " (each must match or be 1)");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** An axis in [-rank, rank) turned into [0, rank). */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for a tensor of rank " + rank
                    + " (expected -" + rank + " to " + (rank - 1) + ")");
        }
        return a;
    }

    /** Normalised, sorted, distinct axes; an empty array means all axes. */
    public static int[] axes(String op, int[] axes, int rank) {
        if (axes == null || axes.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) out[i] = axis(op, axes[i], rank);
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) throw new IllegalArgumentException(op + ": axis " + out[i] + " given twice in " + Arrays.toString(axes));
        }
        return out;
    }

    public static boolean equal(int[] a, int[] b) {
        return Arrays.equals(a, b);
    }
}
