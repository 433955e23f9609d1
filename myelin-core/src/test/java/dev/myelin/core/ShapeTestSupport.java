package dev.myelin.core;

/** Small helpers for tests that must not depend on the ops under test. */
final class ShapeTestSupport {
    private ShapeTestSupport() {}

    /** Stacks two equal-shape tensors along a new axis 0 by copying their values. */
    static Tensor stack0(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        float[] d = new float[x.length + y.length];
        System.arraycopy(x, 0, d, 0, x.length);
        System.arraycopy(y, 0, d, x.length, y.length);
        int[] s = a.shape();
        int[] shape = new int[s.length + 1];
        shape[0] = 2;
        System.arraycopy(s, 0, shape, 1, s.length);
        return Tensor.of(d, shape);
    }
}
