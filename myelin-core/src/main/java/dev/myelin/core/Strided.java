package dev.myelin.core;

/**
 * Loops over several tensors of one shape, each with its own strides and offset, handing the
 * innermost run to a kernel. Adjacent dimensions that are laid out the same way in every tensor
 * are merged first, so a contiguous tensor is one run and a bias broadcast over rows is one run
 * per row.
 */
final class Strided {
    private Strided() {}

    @FunctionalInterface
    interface Run {
        /** Process n elements: tensor t starts at offsets[t] and steps by strides[t]. */
        void run(int[] offsets, int n, int[] strides);
    }

    static void loop(int[] shape, int[][] strides, int[] offsets, Run body) {
        int tensors = strides.length;
        int rank = shape.length;
        for (int d : shape) if (d == 0) return;
        // Drop size-1 dimensions, then merge dims d and d+1 when every tensor has st[d] == st[d+1] * shape[d+1].
        int[] sh = new int[rank];
        int[][] st = new int[tensors][rank];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) continue;
            if (r > 0) {
                boolean merge = true;
                for (int t = 0; t < tensors; t++) {
                    if (st[t][r - 1] != strides[t][d] * shape[d]) {
                        merge = false;
                        break;
                    }
                }
                if (merge) {
                    sh[r - 1] *= shape[d];
                    for (int t = 0; t < tensors; t++) st[t][r - 1] = strides[t][d];
                    continue;
                }
            }
            sh[r] = shape[d];
            for (int t = 0; t < tensors; t++) st[t][r] = strides[t][d];
            r++;
        }
        int[] off = offsets.clone();
        int[] inner = new int[tensors];
        if (r == 0) {
            body.run(off, 1, inner);
            return;
        }
        int n = sh[r - 1];
        for (int t = 0; t < tensors; t++) inner[t] = st[t][r - 1];
        long outer = 1;
        for (int d = 0; d < r - 1; d++) outer *= sh[d];
        int[] idx = new int[Math.max(r - 1, 0)];
        int[] cur = off.clone();
        for (long o = 0; o < outer; o++) {
            System.arraycopy(cur, 0, off, 0, tensors);
            body.run(off, n, inner);
            for (int d = r - 2; d >= 0; d--) {
                idx[d]++;
                for (int t = 0; t < tensors; t++) cur[t] += st[t][d];
                if (idx[d] < sh[d]) break;
                for (int t = 0; t < tensors; t++) cur[t] -= st[t][d] * sh[d];
                idx[d] = 0;
            }
        }
    }

    /** Copies any strided view of an array into a contiguous array of the same dtype. */
    static Object copyContiguous(Storage src, int[] shape, int[] strides, int offset) {
        int n = Shape.numel(shape);
        Storage dst = Storage.allocate(src.dtype, n);
        copy(src, shape, strides, offset, dst, Shape.contiguousStrides(shape), 0);
        return dst.array;
    }

    /** Copies between two strided views of the same shape and dtype. */
    static void copy(Storage src, int[] shape, int[] srcStrides, int srcOff, Storage dst, int[] dstStrides, int dstOff) {
        Object s = src.array, d = dst.array;
        loop(shape, new int[][]{srcStrides, dstStrides}, new int[]{srcOff, dstOff}, (o, n, st) -> {
            int si = o[0], di = o[1], ss = st[0], ds = st[1];
            if (ss == 1 && ds == 1) {
                System.arraycopy(s, si, d, di, n);
                return;
            }
            switch (src.dtype) {
                case FLOAT32 -> {
                    float[] a = (float[]) s, b = (float[]) d;
                    for (int i = 0; i < n; i++) b[di + i * ds] = a[si + i * ss];
                }
                case INT32 -> {
                    int[] a = (int[]) s, b = (int[]) d;
                    for (int i = 0; i < n; i++) b[di + i * ds] = a[si + i * ss];
                }
                case INT64 -> {
                    long[] a = (long[]) s, b = (long[]) d;
                    for (int i = 0; i < n; i++) b[di + i * ds] = a[si + i * ss];
                }
                case INT8, UINT8 -> {
                    byte[] a = (byte[]) s, b = (byte[]) d;
                    for (int i = 0; i < n; i++) b[di + i * ds] = a[si + i * ss];
                }
            }
        });
    }
}
