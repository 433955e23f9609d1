package dev.myelin.core;

import dev.myelin.backend.Backend;
import dev.myelin.backend.Backends;
import dev.myelin.backend.BinaryOp;
import dev.myelin.backend.Erf;
import dev.myelin.backend.UnaryOp;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A dense n-dimensional array with reverse-mode autograd, in the spirit of PyTorch's
 * {@code torch.Tensor}. Storage is row-major with strides: reshape, permute, transpose, slice,
 * expand, squeeze and unsqueeze are views that share it, and {@link #contiguous()} copies only
 * when the layout needs it. Memory is the garbage collector's: there is nothing to close.
 *
 * <pre>{@code
 * Rng rng = new Rng(42);
 * Tensor w = Tensor.randn(rng, 3, 2).requiresGrad(true);
 * Tensor loss = Tensor.of(new float[]{1, 2, 3}, 1, 3).matmul(w).relu().sum();
 * loss.backward();
 * System.out.println(w.grad());
 * }</pre>
 *
 * Ops compute in float32; int32, int64, int8 and uint8 tensors hold indices and quantized values
 * and support creation, views, copies and conversion.
 */
public final class Tensor {

    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;
    private String nonDifferentiableOp;

    Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    private static Tensor contiguousOf(Storage storage, int[] shape) {
        return new Tensor(storage, shape, Shape.contiguousStrides(shape), 0);
    }

    // ------------------------------------------------------------------ creation

    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    public static Tensor zeros(DType dtype, int... shape) {
        int[] s = shape.clone();
        return contiguousOf(Storage.allocate(dtype, Shape.numel(s)), s);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        int[] s = shape.clone();
        float[] d = new float[Shape.numel(s)];
        Arrays.fill(d, value);
        return make(d, s);
    }

    /** A 0-dimensional tensor holding one value. */
    public static Tensor scalar(float value) {
        return make(new float[]{value}, new int[0]);
    }

    /** 0, 1, ..., n-1 as float32. */
    public static Tensor arange(int n) {
        return arange(0, n, 1);
    }

    /** start, start+step, ... below end (above end for a negative step), as float32. */
    public static Tensor arange(float start, float end, float step) {
        if (step == 0 || !Float.isFinite(step)) throw new IllegalArgumentException("arange: step must be finite and non-zero, got " + step);
        int n = (int) Math.max(0, Math.ceil((end - start) / (double) step));
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) (start + (double) i * step);
        return wrap(d, n);
    }

    /** The n by n identity matrix. */
    public static Tensor eye(int n) {
        float[] d = new float[n * n];
        for (int i = 0; i < n; i++) d[i * n + i] = 1f;
        return wrap(d, n, n);
    }

    /**
     * A float32 tensor with a copy of {@code data} in the given shape; with no shape, a vector.
     * {@code Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3)}
     */
    public static Tensor of(float[] data, int... shape) {
        return wrap(data.clone(), shape);
    }

    /** A 2-D tensor from rows of equal length. */
    public static Tensor of(float[][] rows) {
        int r = rows.length, c = r == 0 ? 0 : rows[0].length;
        float[] d = new float[r * c];
        for (int i = 0; i < r; i++) {
            if (rows[i].length != c) {
                throw new IllegalArgumentException("Tensor.of: row " + i + " has " + rows[i].length + " values, expected " + c + " like row 0");
            }
            System.arraycopy(rows[i], 0, d, i * c, c);
        }
        return wrap(d, r, c);
    }

    /** A float32 tensor over {@code data} itself (no copy): later writes to the array show through. */
    public static Tensor wrap(float[] data, int... shape) {
        return contiguousOf(new Storage(DType.FLOAT32, data), checkedShape("wrap", data.length, shape));
    }

    /** A float32 tensor over {@code data} in exactly {@code shape} (an empty shape is a scalar). */
    static Tensor make(float[] data, int[] shape) {
        if (Shape.numel(shape) != data.length) {
            throw new IllegalArgumentException(data.length + " values do not fill shape " + Shape.format(shape));
        }
        return contiguousOf(new Storage(DType.FLOAT32, data), shape);
    }

    public static Tensor ofInts(int[] data, int... shape) {
        return contiguousOf(new Storage(DType.INT32, data.clone()), checkedShape("ofInts", data.length, shape));
    }

    public static Tensor ofLongs(long[] data, int... shape) {
        return contiguousOf(new Storage(DType.INT64, data.clone()), checkedShape("ofLongs", data.length, shape));
    }

    /** An int8 or uint8 tensor with a copy of {@code data}. */
    public static Tensor ofBytes(byte[] data, DType dtype, int... shape) {
        if (dtype != DType.INT8 && dtype != DType.UINT8) {
            throw new IllegalArgumentException("ofBytes: dtype must be int8 or uint8, got " + dtype);
        }
        return contiguousOf(new Storage(dtype, data.clone()), checkedShape("ofBytes", data.length, shape));
    }

    private static int[] checkedShape(String op, int length, int[] shape) {
        int[] s = shape.length == 0 ? new int[]{length} : shape.clone();
        if (Shape.numel(s) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + Shape.format(s)
                    + " (" + Shape.numel(s) + " elements)");
        }
        return s;
    }

    /** Uniform in [0, 1). */
    public static Tensor rand(Rng rng, int... shape) {
        return uniform(rng, 0f, 1f, shape);
    }

    /** Uniform in [low, high). */
    public static Tensor uniform(Rng rng, float low, float high, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = low + (high - low) * rng.nextFloat();
        return make(d, shape);
    }

    /** Standard normal. */
    public static Tensor randn(Rng rng, int... shape) {
        return normal(rng, 0f, 1f, shape);
    }

    public static Tensor normal(Rng rng, float mean, float std, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) (mean + std * rng.nextGaussian());
        return make(d, shape);
    }

    /** Normal, redrawn beyond two standard deviations (Keras's {@code TruncatedNormal}). */
    public static Tensor truncatedNormal(Rng rng, float mean, float std, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextTruncatedGaussian(mean, std);
        return make(d, shape);
    }

    public static Tensor zerosLike(Tensor t) {
        return zeros(t.dtype(), t.shape);
    }

    public static Tensor onesLike(Tensor t) {
        return ones(t.shape);
    }

    // ------------------------------------------------------------------ inspection

    public int[] shape() {
        return shape.clone();
    }

    /** Size of one axis; negative axes count from the end. */
    public int size(int axis) {
        return shape[Shape.axis("size", axis, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return Shape.numel(shape);
    }

    public DType dtype() {
        return storage.dtype;
    }

    public int[] strides() {
        return strides.clone();
    }

    public int offset() {
        return offset;
    }

    public Storage storage() {
        return storage;
    }

    /** True when elements lie in row-major order from {@link #offset()} with no gaps. */
    public boolean isContiguous() {
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != s) return false;
            s *= shape[i];
        }
        return true;
    }

    /**
     * The float32 storage array itself, for kernels; element (i, j, ...) is at
     * {@code offset() + i*strides()[0] + j*strides()[1] + ...}. Writing to it bypasses autograd's
     * in-place checks.
     */
    public float[] floatData() {
        requireDType("floatData", DType.FLOAT32);
        return (float[]) storage.array;
    }

    public int[] intData() {
        requireDType("intData", DType.INT32);
        return (int[]) storage.array;
    }

    public long[] longData() {
        requireDType("longData", DType.INT64);
        return (long[]) storage.array;
    }

    public byte[] byteData() {
        if (storage.dtype != DType.INT8 && storage.dtype != DType.UINT8) {
            throw new IllegalArgumentException("byteData: expected an int8 or uint8 tensor, got " + storage.dtype);
        }
        return (byte[]) storage.array;
    }

    private void requireDType(String op, DType dtype) {
        if (storage.dtype != dtype) {
            throw new IllegalArgumentException(op + ": expected a " + dtype + " tensor, got " + storage.dtype + " of shape " + Shape.format(shape));
        }
    }

    private void requireFloat(String op) {
        if (storage.dtype != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": expected a float32 tensor, got " + storage.dtype + " of shape "
                    + Shape.format(shape) + "; convert it with toFloat()");
        }
    }

    private int flatIndex(int[] idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(idx) + " has " + idx.length + " coordinates; tensor of shape "
                    + Shape.format(shape) + " needs " + shape.length);
        }
        int p = offset;
        for (int i = 0; i < idx.length; i++) {
            int k = idx[i] < 0 ? idx[i] + shape[i] : idx[i];
            if (k < 0 || k >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + idx[i] + " is out of range for axis " + i + " of size " + shape[i]);
            }
            p += k * strides[i];
        }
        return p;
    }

    /** The element at the given coordinates, as a float. */
    public float get(int... index) {
        return (float) storage.getAsDouble(flatIndex(index));
    }

    /** The element at the given coordinates, as a long (for index tensors). */
    public long getLong(int... index) {
        return (long) storage.getAsDouble(flatIndex(index));
    }

    /** Writes one element in place. */
    public void set(float value, int... index) {
        checkInPlace("set");
        storage.setFromDouble(flatIndex(index), value);
        storage.bumpVersion();
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: expected a tensor with one element, got shape " + Shape.format(shape));
        }
        return (float) storage.getAsDouble(offset);
    }

    /** A row-major copy of the elements, converted to float. */
    public float[] toFloatArray() {
        if (storage.dtype == DType.FLOAT32) {
            if (isContiguous() && offset == 0 && storage.length() == numel()) return ((float[]) storage.array).clone();
            return (float[]) Strided.copyContiguous(storage, shape, strides, offset);
        }
        Tensor c = contiguous();
        float[] out = new float[numel()];
        for (int i = 0; i < out.length; i++) out[i] = (float) c.storage.getAsDouble(c.offset + i);
        return out;
    }

    /** A row-major copy of the elements, converted to int. */
    public int[] toIntArray() {
        Tensor c = contiguous();
        int[] out = new int[numel()];
        for (int i = 0; i < out.length; i++) out[i] = (int) c.storage.getAsDouble(c.offset + i);
        return out;
    }

    /** A row-major copy of the elements, converted to long. */
    public long[] toLongArray() {
        Tensor c = contiguous();
        long[] out = new long[numel()];
        for (int i = 0; i < out.length; i++) out[i] = (long) c.storage.getAsDouble(c.offset + i);
        return out;
    }

    /** This tensor converted to float32 (a copy, unless it already is). Integer tensors give plain numbers. */
    public Tensor toFloat() {
        if (storage.dtype == DType.FLOAT32) return this;
        Tensor f = make(toFloatArray(), shape.clone());
        f.nonDifferentiableOp = nonDifferentiableOp;
        return f;
    }

    /** Converts to another dtype, truncating towards zero and wrapping like a Java cast. */
    public Tensor to(DType dtype) {
        if (dtype == storage.dtype) return this;
        if (dtype == DType.FLOAT32) return toFloat();
        Tensor c = contiguous();
        Storage out = Storage.allocate(dtype, numel());
        for (int i = 0; i < numel(); i++) out.setFromDouble(i, c.storage.getAsDouble(c.offset + i));
        return contiguousOf(out, shape.clone());
    }

    // ------------------------------------------------------------------ autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as a parameter whose gradient {@link #backward()} fills in. Returns this. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalStateException("requiresGrad(false) on a tensor computed by '" + gradFn.op + "': use detach() instead");
        }
        if (value && storage.dtype != DType.FLOAT32) {
            throw new IllegalArgumentException("only float32 tensors can require gradients, this one is " + storage.dtype);
        }
        this.requiresGrad = value;
        return this;
    }

    /** The accumulated gradient of a leaf, or null before any backward pass reached it. */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the gradient (optimizers and tests); null clears it. */
    public void setGrad(Tensor g) {
        if (g != null && !Shape.equal(g.shape, shape)) {
            throw new IllegalArgumentException("setGrad: gradient of shape " + Shape.format(g.shape) + " for a tensor of shape " + Shape.format(shape));
        }
        this.grad = g;
    }

    public void zeroGrad() {
        this.grad = null;
    }

    /** True for tensors not produced by a recorded op: user data and parameters. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The name of the op that produced this tensor, or null for a leaf. */
    public String gradFnName() {
        return gradFn == null ? null : gradFn.op;
    }

    /** The same data, cut from the graph: no gradient flows back through the result. */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset);
    }

    /**
     * Records an op's result in the autograd graph. Ops outside this class call it with the
     * output's data and their backward rule; {@code saved} are the tensors the rule reads, which
     * must not change in place before backward.
     */
    public static Tensor fromOp(String op, float[] data, int[] shape, Tensor[] inputs, Tensor[] saved, Backward backward) {
        return record(make(data, shape), op, inputs, saved, backward);
    }

    /** Marks {@code out} as computed by {@code op} from {@code inputs}, if any of them needs a gradient. */
    static Tensor record(Tensor out, String op, Tensor[] inputs, Tensor[] saved, Backward backward) {
        if (!GradMode.isEnabled()) return out;
        boolean any = false;
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad) {
                any = true;
                break;
            }
        }
        if (any) {
            out.requiresGrad = true;
            out.gradFn = new Node(op, inputs, backward, saved == null ? new Tensor[0] : saved);
        } else {
            for (Tensor t : inputs) {
                if (t != null && t.nonDifferentiableOp != null) {
                    out.nonDifferentiableOp = t.nonDifferentiableOp;
                    break;
                }
            }
        }
        return out;
    }

    /** A result of a non-differentiable op: it carries no gradient, and a backward pass from it says why. */
    static Tensor nonDifferentiable(Tensor out, String op, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.requiresGrad || t.nonDifferentiableOp != null) {
                out.nonDifferentiableOp = op;
                break;
            }
        }
        return out;
    }

    /** Backward from a one-element tensor (a loss): d(this)/d(this) = 1. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalArgumentException("backward() without a gradient needs a one-element tensor (a loss), got shape "
                    + Shape.format(shape) + "; call backward(gradient) with a gradient of that shape");
        }
        backward(ones(shape));
    }

    /**
     * Reverse-mode autograd: adds d(sum(this * gradient))/d(leaf) to the {@link #grad()} of every
     * leaf that requires it. Gradients accumulate across calls until {@link #zeroGrad()}.
     */
    public void backward(Tensor gradient) {
        if (!requiresGrad) {
            if (nonDifferentiableOp != null) {
                throw new IllegalStateException("backward(): this tensor was computed through '" + nonDifferentiableOp
                        + "', which is not differentiable, so no gradient can flow back through it");
            }
            throw new IllegalStateException("backward(): this tensor does not require grad: no tensor it was computed from has"
                    + " requiresGrad(true), or it was computed inside GradMode.noGrad()");
        }
        if (!Shape.equal(gradient.shape, shape)) {
            throw new IllegalArgumentException("backward: gradient of shape " + Shape.format(gradient.shape)
                    + " does not match the tensor's shape " + Shape.format(shape));
        }
        List<Tensor> order = topologicalOrder();
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(this, gradient);
        try (var ignored = GradMode.noGrad()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = grads.remove(t);
                if (g == null) continue;
                if (t.gradFn == null) {
                    t.accumulateGrad(g);
                    continue;
                }
                Node node = t.gradFn;
                node.checkSavedUnchanged();
                Tensor[] gs = node.backward.apply(g);
                for (int k = 0; k < node.inputs.length; k++) {
                    Tensor in = node.inputs[k];
                    if (in == null || !in.requiresGrad || gs[k] == null) continue;
                    Tensor gk = gs[k];
                    if (!Shape.equal(gk.shape, in.shape)) {
                        throw new IllegalStateException("backward of '" + node.op + "' produced a gradient of shape " + Shape.format(gk.shape)
                                + " for input " + k + " of shape " + Shape.format(in.shape));
                    }
                    grads.merge(in, gk, Tensor::add);
                }
            }
        }
    }

    private void accumulateGrad(Tensor g) {
        if (grad == null) {
            grad = make(g.toFloatArray(), shape);
        } else {
            grad.addInPlace(g);
        }
    }

    /** Tensors that require grad, reachable from this one, in topological order (inputs first). */
    private List<Tensor> topologicalOrder() {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Tensor> stack = new ArrayDeque<>();
        ArrayDeque<Integer> next = new ArrayDeque<>();
        stack.push(this);
        next.push(0);
        visited.put(this, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Tensor t = stack.peek();
            int i = next.pop();
            Tensor[] inputs = t.gradFn == null ? new Tensor[0] : t.gradFn.inputs;
            while (i < inputs.length && (inputs[i] == null || !inputs[i].requiresGrad || visited.containsKey(inputs[i]))) i++;
            if (i < inputs.length) {
                next.push(i + 1);
                Tensor in = inputs[i];
                visited.put(in, Boolean.TRUE);
                stack.push(in);
                next.push(0);
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }

    private void checkInPlace(String op) {
        if (requiresGrad && GradMode.isEnabled()) {
            throw new IllegalStateException(op + ": in-place change of a tensor that requires grad while recording; "
                    + "do it inside GradMode.noGrad() (as optimizers do), or on a detach()ed copy");
        }
    }

    // ------------------------------------------------------------------ in-place

    /**
     * Records that the elements were changed by writing to {@link #floatData()} directly (a fused
     * optimizer update), so autograd can detect stale saved tensors.
     */
    public void markModifiedInPlace() {
        checkInPlace("markModifiedInPlace");
        storage.bumpVersion();
    }

    /** Sets every element to {@code value}. Returns this. */
    public Tensor fill(float value) {
        checkInPlace("fill");
        requireFloat("fill");
        float[] d = (float[]) storage.array;
        Strided.loop(shape, new int[][]{strides}, new int[]{offset}, (o, n, st) -> {
            for (int i = 0; i < n; i++) d[o[0] + i * st[0]] = value;
        });
        storage.bumpVersion();
        return this;
    }

    /** Copies {@code src} (broadcast to this shape) into this tensor's elements. Returns this. */
    public Tensor copyFrom(Tensor src) {
        checkInPlace("copyFrom");
        if (src.storage.dtype != storage.dtype) {
            throw new IllegalArgumentException("copyFrom: dtype " + src.storage.dtype + " into " + storage.dtype);
        }
        Tensor b = src.expand(shape);
        if (b.storage == storage) b = b.contiguousCopy();
        Strided.copy(b.storage, shape, b.strides, b.offset, storage, strides, offset);
        storage.bumpVersion();
        return this;
    }

    /** this += other (broadcast to this shape). Returns this. */
    public Tensor addInPlace(Tensor other) {
        return combineInPlace("addInPlace", BinaryOp.ADD, other);
    }

    /** this -= other. Returns this. */
    public Tensor subInPlace(Tensor other) {
        return combineInPlace("subInPlace", BinaryOp.SUB, other);
    }

    /** this *= other. Returns this. */
    public Tensor mulInPlace(Tensor other) {
        return combineInPlace("mulInPlace", BinaryOp.MUL, other);
    }

    /** this *= factor. Returns this. */
    public Tensor mulInPlace(float factor) {
        return combineInPlace("mulInPlace", BinaryOp.MUL, scalar(factor));
    }

    /** this += alpha * x, the optimizer's update. Returns this. */
    public Tensor addScaledInPlace(float alpha, Tensor x) {
        checkInPlace("addScaledInPlace");
        requireFloat("addScaledInPlace");
        if (isContiguous() && x.isContiguous() && Shape.equal(shape, x.shape) && x.storage != storage) {
            backend().axpy(numel(), alpha, x.floatData(), x.offset, floatData(), offset);
            storage.bumpVersion();
            return this;
        }
        return combineInPlace("addScaledInPlace", BinaryOp.ADD, x.detach().mul(alpha));
    }

    private Tensor combineInPlace(String op, BinaryOp bop, Tensor other) {
        checkInPlace(op);
        requireFloat(op);
        other.requireFloat(op);
        Tensor b = other.expand(shape);
        if (b.storage == storage) b = b.contiguousCopy();
        float[] d = (float[]) storage.array, s = (float[]) b.storage.array;
        Backend be = backend();
        Strided.loop(shape, new int[][]{strides, b.strides}, new int[]{offset, b.offset}, (o, n, st) -> {
            if (st[0] == 1) {
                be.binary(bop, d, o[0], 1, s, o[1], st[1], d, o[0], n);
            } else {
                for (int i = 0; i < n; i++) d[o[0] + i * st[0]] = bop.apply(d[o[0] + i * st[0]], s[o[1] + i * st[1]]);
            }
        });
        storage.bumpVersion();
        return this;
    }

    // ------------------------------------------------------------------ views

    private Tensor view(int[] newShape, int[] newStrides, int newOffset, String op, Backward backward) {
        Tensor v = new Tensor(storage, newShape, newStrides, newOffset);
        if (storage.dtype != DType.FLOAT32) return v;
        return record(v, op, new Tensor[]{this}, null, backward);
    }

    /** A contiguous copy when the layout needs one, else this tensor itself. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        Tensor c = contiguousCopy();
        if (storage.dtype != DType.FLOAT32) return c;
        return record(c, "contiguous", new Tensor[]{this}, null, g -> new Tensor[]{g});
    }

    /** Always a fresh contiguous copy (not recorded by autograd; see {@link #copy()}). */
    private Tensor contiguousCopy() {
        return contiguousOf(new Storage(storage.dtype, Strided.copyContiguous(storage, shape, strides, offset)), shape.clone());
    }

    /** A copy with its own storage; gradients flow through it like {@code torch.clone}. */
    public Tensor copy() {
        Tensor c = contiguousCopy();
        if (storage.dtype != DType.FLOAT32) return c;
        return record(c, "copy", new Tensor[]{this}, null, g -> new Tensor[]{g});
    }

    /**
     * The same elements in a new shape; one dimension may be -1 and is inferred. A view when the
     * layout allows, else a copy.
     */
    public Tensor reshape(int... newShape) {
        int[] target = inferShape(newShape);
        if (Shape.equal(target, shape)) return this;
        int[] st = reshapeStrides(target);
        int[] original = shape;
        if (st != null) {
            return view(target, st, offset, "reshape", g -> new Tensor[]{g.reshape(original)});
        }
        return contiguous().reshape(target);
    }

    private int[] inferShape(int[] newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: only one dimension can be -1, got " + Arrays.toString(newShape));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension " + s[i] + " in " + Arrays.toString(newShape));
            } else {
                known *= s[i];
            }
        }
        int n = numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shape.format(shape) + " (" + n + " elements) into " + Arrays.toString(newShape));
            }
            s[infer] = (int) (n / known);
        } else if (known != n) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shape.format(shape) + " (" + n + " elements) into "
                    + Shape.format(s) + " (" + known + " elements)");
        }
        return s;
    }

    /** Strides that give the target shape as a view, or null when a copy is needed (numpy's attempt_nocopy_reshape). */
    private int[] reshapeStrides(int[] target) {
        if (isContiguous() || numel() == 0) return Shape.contiguousStrides(target);
        // Group old and new dims into chunks of equal element count; each old chunk must be contiguous within itself.
        int[] old = shape, os = strides;
        int[] ns = new int[target.length];
        int oi = 0, ni = 0;
        while (oi < old.length && ni < target.length) {
            long np = target[ni], op = old[oi];
            int oj = oi + 1, nj = ni + 1;
            while (np != op) {
                if (np < op) np *= target[nj++];
                else op *= old[oj++];
            }
            for (int k = oi; k < oj - 1; k++) {
                if (old[k] != 1 && old[k + 1] != 1 && os[k] != os[k + 1] * old[k + 1]) return null;
            }
            ns[nj - 1] = os[oj - 1];
            for (int k = nj - 1; k > ni; k--) ns[k - 1] = ns[k] * target[k];
            oi = oj;
            ni = nj;
        }
        for (; ni < target.length; ni++) ns[ni] = 1; // trailing 1s
        return ns;
    }

    /** Collapses axes start..end (inclusive) into one. */
    public Tensor flatten(int startAxis, int endAxis) {
        int s = Shape.axis("flatten", startAxis, shape.length), e = Shape.axis("flatten", endAxis, shape.length);
        if (e < s) throw new IllegalArgumentException("flatten: end axis " + endAxis + " is before start axis " + startAxis);
        int[] ns = new int[shape.length - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) ns[k++] = shape[i];
        int m = 1;
        for (int i = s; i <= e; i++) m *= shape[i];
        ns[k++] = m;
        for (int i = e + 1; i < shape.length; i++) ns[k++] = shape[i];
        return reshape(ns);
    }

    /** Reorders axes: result axis i is this tensor's axis {@code order[i]}. */
    public Tensor permute(int... order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " has " + order.length + " axes, tensor of shape "
                    + Shape.format(shape) + " has " + shape.length);
        }
        int[] ns = new int[order.length], nst = new int[order.length], inverse = new int[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int a = Shape.axis("permute", order[i], shape.length);
            if (seen[a]) throw new IllegalArgumentException("permute: axis " + a + " appears twice in " + Arrays.toString(order));
            seen[a] = true;
            ns[i] = shape[a];
            nst[i] = strides[a];
            inverse[a] = i;
        }
        return view(ns, nst, offset, "permute", g -> new Tensor[]{g.permute(inverse)});
    }

    /** Swaps two axes. */
    public Tensor transpose(int axis0, int axis1) {
        int a = Shape.axis("transpose", axis0, shape.length), b = Shape.axis("transpose", axis1, shape.length);
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** The transpose of a matrix (a view). */
    public Tensor t() {
        if (shape.length != 2) throw new IllegalArgumentException("t: expected a 2-D tensor, got shape " + Shape.format(shape));
        return transpose(0, 1);
    }

    /** Elements start, start+step, ... below end along one axis (a view). Negative start/end count from the end. */
    public Tensor slice(int axis, int start, int end, int step) {
        int a = Shape.axis("slice", axis, shape.length);
        int n = shape[a];
        if (step <= 0) throw new IllegalArgumentException("slice: step must be positive, got " + step);
        int s = Math.clamp(start < 0 ? start + n : start, 0, n);
        int e = Math.clamp(end < 0 ? end + n : end, 0, n);
        int len = e <= s ? 0 : (e - s + step - 1) / step;
        int[] ns = shape.clone(), nst = strides.clone();
        ns[a] = len;
        nst[a] = strides[a] * step;
        int[] original = shape;
        int from = s;
        return view(ns, nst, offset + s * strides[a], "slice", g -> {
            Tensor full = zeros(original);
            full.sliceView(a, from, step, len).copyFromUnchecked(g);
            return new Tensor[]{full};
        });
    }

    public Tensor slice(int axis, int start, int end) {
        return slice(axis, start, end, 1);
    }

    private Tensor sliceView(int a, int start, int step, int len) {
        int[] ns = shape.clone(), nst = strides.clone();
        ns[a] = len;
        nst[a] = strides[a] * step;
        return new Tensor(storage, ns, nst, offset + start * strides[a]);
    }

    private void copyFromUnchecked(Tensor src) {
        Strided.copy(src.storage, shape, src.strides, src.offset, storage, strides, offset);
    }

    /** The sub-tensor at {@code index} along {@code axis}, with that axis removed (a view). */
    public Tensor select(int axis, int index) {
        int a = Shape.axis("select", axis, shape.length);
        int i = index < 0 ? index + shape[a] : index;
        if (i < 0 || i >= shape[a]) {
            throw new IndexOutOfBoundsException("select: index " + index + " is out of range for axis " + a + " of size " + shape[a]);
        }
        return slice(a, i, i + 1).squeeze(a);
    }

    /**
     * Broadcasts to a larger shape as a view (stride 0 along repeated axes), numpy-style: new axes
     * are added in front, and axes of size 1 stretch. -1 keeps a size.
     */
    public Tensor expand(int... target) {
        if (target.length < shape.length) {
            throw new IllegalArgumentException("expand: cannot expand " + Shape.format(shape) + " to fewer dimensions " + Arrays.toString(target));
        }
        int lead = target.length - shape.length;
        int[] ns = new int[target.length], nst = new int[target.length];
        for (int i = 0; i < target.length; i++) {
            if (i < lead) {
                if (target[i] < 0) throw new IllegalArgumentException("expand: -1 is not allowed for a new leading axis in " + Arrays.toString(target));
                ns[i] = target[i];
                nst[i] = 0;
            } else {
                int d = shape[i - lead];
                if (target[i] < -1) throw new IllegalArgumentException("expand: negative size " + target[i] + " in " + Arrays.toString(target));
                int t = target[i] == -1 ? d : target[i];
                if (d == t) {
                    ns[i] = d;
                    nst[i] = strides[i - lead];
                } else if (d == 1) {
                    ns[i] = t;
                    nst[i] = 0;
                } else {
                    throw new IllegalArgumentException("expand: cannot expand " + Shape.format(shape) + " to " + Shape.format(target)
                            + ": axis " + (i - lead) + " has size " + d + ", which is neither " + t + " nor 1");
                }
            }
        }
        if (Shape.equal(ns, shape)) return this;
        int[] original = shape;
        return view(ns, nst, offset, "expand", g -> new Tensor[]{sumTo(g, original)});
    }

    /** Same as {@link #expand}. */
    public Tensor broadcastTo(int... target) {
        return expand(target);
    }

    /** Removes the given axis, which must have size 1. */
    public Tensor squeeze(int axis) {
        int a = Shape.axis("squeeze", axis, shape.length);
        if (shape[a] != 1) {
            throw new IllegalArgumentException("squeeze: axis " + axis + " of shape " + Shape.format(shape) + " has size " + shape[a] + ", not 1");
        }
        int[] ns = new int[shape.length - 1], nst = new int[shape.length - 1];
        for (int i = 0, k = 0; i < shape.length; i++) {
            if (i == a) continue;
            ns[k] = shape[i];
            nst[k++] = strides[i];
        }
        return view(ns, nst, offset, "squeeze", g -> new Tensor[]{g.unsqueeze(a)});
    }

    /** Removes every axis of size 1. */
    public Tensor squeeze() {
        Tensor t = this;
        for (int i = shape.length - 1; i >= 0; i--) if (shape[i] == 1) t = t.squeeze(i);
        return t;
    }

    /** Inserts an axis of size 1 at {@code axis} (in the result's numbering; -1 appends). */
    public Tensor unsqueeze(int axis) {
        int a = Shape.axis("unsqueeze", axis, shape.length + 1);
        int[] ns = new int[shape.length + 1], nst = new int[shape.length + 1];
        for (int i = 0, k = 0; i < ns.length; i++) {
            if (i == a) {
                ns[i] = 1;
                nst[i] = a < shape.length ? strides[a] * shape[a] : 1;
            } else {
                ns[i] = shape[k];
                nst[i] = strides[k++];
            }
        }
        return view(ns, nst, offset, "unsqueeze", g -> new Tensor[]{g.squeeze(a)});
    }

    /** Sums a broadcast gradient back down to {@code target}: the backward of broadcasting. */
    public static Tensor sumTo(Tensor g, int[] target) {
        if (Shape.equal(g.shape, target)) return g;
        int lead = g.shape.length - target.length;
        if (lead < 0) throw new IllegalArgumentException("sumTo: cannot reduce " + Shape.format(g.shape) + " to " + Shape.format(target));
        int count = 0;
        int[] axes = new int[g.shape.length];
        for (int i = 0; i < g.shape.length; i++) {
            if (i < lead || (target[i - lead] == 1 && g.shape[i] != 1)) axes[count++] = i;
        }
        Tensor s = count == 0 ? g : g.sum(Arrays.copyOf(axes, count), true);
        return s.reshape(target);
    }

    // ------------------------------------------------------------------ element-wise

    static Backend backend() {
        return Backends.current();
    }

    private static Tensor binary(String name, BinaryOp op, Tensor a, Tensor b) {
        a.requireFloat(name);
        b.requireFloat(name);
        int[] out = Shape.broadcast(name, a.shape, b.shape);
        Tensor ea = a.expandRaw(out), eb = b.expandRaw(out);
        float[] r = new float[Shape.numel(out)];
        float[] ad = (float[]) a.storage.array, bd = (float[]) b.storage.array;
        Backend be = backend();
        Strided.loop(out, new int[][]{ea.strides, eb.strides, Shape.contiguousStrides(out)}, new int[]{ea.offset, eb.offset, 0},
                (o, n, st) -> be.binary(op, ad, o[0], st[0], bd, o[1], st[1], r, o[2], n));
        return make(r, out);
    }

    /** expand() without autograd, for kernels. */
    private Tensor expandRaw(int[] target) {
        if (Shape.equal(target, shape)) return this;
        int lead = target.length - shape.length;
        int[] nst = new int[target.length];
        for (int i = lead; i < target.length; i++) nst[i] = shape[i - lead] == target[i] ? strides[i - lead] : 0;
        return new Tensor(storage, target.clone(), nst, offset);
    }

    private Tensor unary(String name, UnaryOp op, float alpha) {
        requireFloat(name);
        Tensor c = isContiguous() ? this : contiguousCopy();
        float[] r = new float[numel()];
        backend().unary(op, alpha, (float[]) c.storage.array, c.offset, r, 0, r.length);
        return make(r, shape.clone());
    }

    /** Element-wise derivative rule: grad_in[i] = g[i] * f(x[i], y[i]) where y is the forward output. */
    @FunctionalInterface
    private interface Derivative {
        float at(float x, float y);
    }

    private static Tensor chain(Tensor g, Tensor x, Tensor y, Derivative f) {
        float[] gd = g.toFloatArray(), xd = x.contiguousCopyIfNeeded(), yd = y.contiguousCopyIfNeeded();
        int xo = x.isContiguous() ? x.offset : 0, yo = y.isContiguous() ? y.offset : 0;
        for (int i = 0; i < gd.length; i++) gd[i] *= f.at(xd[xo + i], yd[yo + i]);
        return make(gd, x.shape.clone());
    }

    private float[] contiguousCopyIfNeeded() {
        return isContiguous() ? (float[]) storage.array : toFloatArray();
    }

    public Tensor add(Tensor other) {
        Tensor a = this, b = other;
        return record(binary("add", BinaryOp.ADD, a, b), "add", new Tensor[]{a, b}, null,
                g -> new Tensor[]{sumTo(g, a.shape), sumTo(g, b.shape)});
    }

    public Tensor sub(Tensor other) {
        Tensor a = this, b = other;
        return record(binary("sub", BinaryOp.SUB, a, b), "sub", new Tensor[]{a, b}, null,
                g -> new Tensor[]{sumTo(g, a.shape), b.requiresGrad ? sumTo(g.neg(), b.shape) : null});
    }

    public Tensor mul(Tensor other) {
        Tensor a = this, b = other;
        return record(binary("mul", BinaryOp.MUL, a, b), "mul", new Tensor[]{a, b}, new Tensor[]{a, b},
                g -> new Tensor[]{a.requiresGrad ? sumTo(g.mul(b), a.shape) : null, b.requiresGrad ? sumTo(g.mul(a), b.shape) : null});
    }

    public Tensor div(Tensor other) {
        Tensor a = this, b = other;
        return record(binary("div", BinaryOp.DIV, a, b), "div", new Tensor[]{a, b}, new Tensor[]{a, b},
                g -> new Tensor[]{a.requiresGrad ? sumTo(g.div(b), a.shape) : null,
                        b.requiresGrad ? sumTo(g.mul(a).div(b.square()).neg(), b.shape) : null});
    }

    public Tensor add(float c) {
        return record(unary("add", UnaryOp.ADD_SCALAR, c), "add", new Tensor[]{this}, null, g -> new Tensor[]{g});
    }

    public Tensor sub(float c) {
        return add(-c);
    }

    /** c - this */
    public Tensor rsub(float c) {
        return record(unary("rsub", UnaryOp.RSUB_SCALAR, c), "rsub", new Tensor[]{this}, null, g -> new Tensor[]{g.neg()});
    }

    public Tensor mul(float c) {
        return record(unary("mul", UnaryOp.MUL_SCALAR, c), "mul", new Tensor[]{this}, null, g -> new Tensor[]{g.mul(c)});
    }

    public Tensor div(float c) {
        return mul(1f / c);
    }

    public Tensor neg() {
        return record(unary("neg", UnaryOp.NEG, 0), "neg", new Tensor[]{this}, null, g -> new Tensor[]{g.neg()});
    }

    public Tensor abs() {
        Tensor x = this;
        return record(unary("abs", UnaryOp.ABS, 0), "abs", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> Math.signum(xi))});
    }

    public Tensor exp() {
        Tensor x = this, y = unary("exp", UnaryOp.EXP, 0);
        return record(y, "exp", new Tensor[]{x}, new Tensor[]{y}, g -> new Tensor[]{g.mul(y)});
    }

    /** Natural logarithm. */
    public Tensor log() {
        Tensor x = this;
        return record(unary("log", UnaryOp.LOG, 0), "log", new Tensor[]{x}, new Tensor[]{x}, g -> new Tensor[]{g.div(x)});
    }

    public Tensor sqrt() {
        Tensor x = this, y = unary("sqrt", UnaryOp.SQRT, 0);
        return record(y, "sqrt", new Tensor[]{x}, new Tensor[]{y}, g -> new Tensor[]{chain(g, x, y, (xi, yi) -> 0.5f / yi)});
    }

    /** 1 / sqrt(x) */
    public Tensor rsqrt() {
        Tensor x = this, y = unary("rsqrt", UnaryOp.RSQRT, 0);
        return record(y, "rsqrt", new Tensor[]{x}, new Tensor[]{y}, g -> new Tensor[]{chain(g, x, y, (xi, yi) -> -0.5f * yi * yi * yi)});
    }

    public Tensor square() {
        Tensor x = this;
        return record(unary("square", UnaryOp.SQUARE, 0), "square", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> 2f * xi)});
    }

    /** this ^ exponent */
    public Tensor pow(float exponent) {
        Tensor x = this;
        return record(unary("pow", UnaryOp.POW_SCALAR, exponent), "pow", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> exponent == 0f ? 0f : (float) (exponent * Math.pow(xi, exponent - 1)))});
    }

    /** this ^ exponent, element-wise with broadcasting. */
    public Tensor pow(Tensor exponent) {
        Tensor a = this, b = exponent, y = binary("pow", BinaryOp.POW, a, b);
        return record(y, "pow", new Tensor[]{a, b}, new Tensor[]{a, b, y}, g -> new Tensor[]{
                a.requiresGrad ? sumTo(g.mul(b).mul(a.pow(b.sub(1f))), a.shape) : null,
                b.requiresGrad ? sumTo(g.mul(y).mul(a.log()), b.shape) : null});
    }

    /** Limits every element to [min, max]; the gradient passes where the input is inside. */
    public Tensor clamp(float min, float max) {
        if (min > max) throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        Tensor x = this;
        Tensor y = unary("clamp", UnaryOp.MAX_SCALAR, min);
        backend().unary(UnaryOp.MIN_SCALAR, max, y.floatData(), 0, y.floatData(), 0, y.numel());
        return record(y, "clamp", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> xi >= min && xi <= max ? 1f : 0f)});
    }

    /** Element-wise maximum with broadcasting; at ties the gradient is split evenly. */
    public Tensor maximum(Tensor other) {
        return extremum("maximum", BinaryOp.MAX, BinaryOp.GT, other);
    }

    /** Element-wise minimum with broadcasting; at ties the gradient is split evenly. */
    public Tensor minimum(Tensor other) {
        return extremum("minimum", BinaryOp.MIN, BinaryOp.LT, other);
    }

    private Tensor extremum(String name, BinaryOp op, BinaryOp wins, Tensor other) {
        Tensor a = this, b = other;
        return record(binary(name, op, a, b), name, new Tensor[]{a, b}, new Tensor[]{a, b}, g -> {
            Tensor wa = binary(name, wins, a, b).add(binary(name, BinaryOp.EQ, a, b).mul(0.5f));
            return new Tensor[]{a.requiresGrad ? sumTo(g.mul(wa), a.shape) : null, b.requiresGrad ? sumTo(g.mul(wa.rsub(1f)), b.shape) : null};
        });
    }

    // Comparisons: float32 masks of 0 and 1, not differentiable.

    public Tensor eq(Tensor o) { return compare("eq", BinaryOp.EQ, o); }

    public Tensor ne(Tensor o) { return compare("ne", BinaryOp.NE, o); }

    public Tensor lt(Tensor o) { return compare("lt", BinaryOp.LT, o); }

    public Tensor le(Tensor o) { return compare("le", BinaryOp.LE, o); }

    public Tensor gt(Tensor o) { return compare("gt", BinaryOp.GT, o); }

    public Tensor ge(Tensor o) { return compare("ge", BinaryOp.GE, o); }

    public Tensor eq(float c) { return compare("eq", BinaryOp.EQ, scalar(c)); }

    public Tensor lt(float c) { return compare("lt", BinaryOp.LT, scalar(c)); }

    public Tensor le(float c) { return compare("le", BinaryOp.LE, scalar(c)); }

    public Tensor gt(float c) { return compare("gt", BinaryOp.GT, scalar(c)); }

    public Tensor ge(float c) { return compare("ge", BinaryOp.GE, scalar(c)); }

    private Tensor compare(String name, BinaryOp op, Tensor other) {
        return nonDifferentiable(binary(name, op, this, other), name, this, other);
    }

    /**
     * Element-wise choice with broadcasting: {@code a} where {@code condition} is non-zero, else
     * {@code b}. The gradient flows to the chosen side only.
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        condition.requireFloat("where");
        a.requireFloat("where");
        b.requireFloat("where");
        int[] out = Shape.broadcast("where", Shape.broadcast("where", condition.shape, a.shape), b.shape);
        float[] c = condition.expandRaw(out).toFloatArray(), av = a.expandRaw(out).toFloatArray(), bv = b.expandRaw(out).toFloatArray();
        float[] r = new float[c.length];
        for (int i = 0; i < r.length; i++) r[i] = c[i] != 0f ? av[i] : bv[i];
        Tensor mask = make(c, out).ne(scalar(0f));
        return record(make(r, out), "where", new Tensor[]{a, b}, new Tensor[]{condition}, g -> new Tensor[]{
                a.requiresGrad ? sumTo(g.mul(mask), a.shape) : null,
                b.requiresGrad ? sumTo(g.mul(mask.rsub(1f)), b.shape) : null});
    }

    // ------------------------------------------------------------------ activations

    public Tensor relu() {
        Tensor x = this;
        return record(unary("relu", UnaryOp.RELU, 0), "relu", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{binary("relu", BinaryOp.MUL, g, x.unary("relu", UnaryOp.STEP, 0))}); // g * (x > 0)
    }

    /** x if x > 0, else alpha * x. */
    public Tensor leakyRelu(float alpha) {
        Tensor x = this;
        return record(unary("leakyRelu", UnaryOp.LEAKY_RELU, alpha), "leakyRelu", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> xi > 0f ? 1f : alpha)});
    }

    /** x if x > 0, else alpha * (exp(x) - 1). */
    public Tensor elu(float alpha) {
        Tensor x = this, y = unary("elu", UnaryOp.ELU, alpha);
        return record(y, "elu", new Tensor[]{x}, new Tensor[]{x, y},
                g -> new Tensor[]{chain(g, x, y, (xi, yi) -> xi > 0f ? 1f : yi + alpha)});
    }

    public Tensor sigmoid() {
        Tensor x = this, y = unary("sigmoid", UnaryOp.SIGMOID, 0);
        return record(y, "sigmoid", new Tensor[]{x}, new Tensor[]{y}, g -> new Tensor[]{chain(g, y, y, (yi, unused) -> yi * (1f - yi))});
    }

    public Tensor tanh() {
        Tensor x = this, y = unary("tanh", UnaryOp.TANH, 0);
        return record(y, "tanh", new Tensor[]{x}, new Tensor[]{y}, g -> new Tensor[]{chain(g, y, y, (yi, unused) -> 1f - yi * yi)});
    }

    /** Exact GELU, x * Phi(x). */
    public Tensor gelu() {
        Tensor x = this;
        return record(unary("gelu", UnaryOp.GELU, 0), "gelu", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> {
                    // d/dx x Phi(x) = Phi(x) + x phi(x)
                    double cdf = 0.5 * (1 + Erf.erf(xi * 0.7071067811865476));
                    double pdf = Math.exp(-0.5 * xi * xi) * 0.3989422804014327;
                    return (float) (cdf + xi * pdf);
                })});
    }

    /** GELU's tanh approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public Tensor geluTanh() {
        Tensor x = this;
        return record(unary("geluTanh", UnaryOp.GELU_TANH, 0), "geluTanh", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> {
                    double k = 0.7978845608028654;
                    double u = k * (xi + 0.044715 * xi * xi * xi);
                    double th = Math.tanh(u);
                    return (float) (0.5 * (1 + th) + 0.5 * xi * (1 - th * th) * k * (1 + 3 * 0.044715 * xi * xi));
                })});
    }

    /** x * sigmoid(x), also called swish. */
    public Tensor silu() {
        Tensor x = this;
        return record(unary("silu", UnaryOp.SILU, 0), "silu", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> {
                    float s = UnaryOp.SIGMOID.apply(xi, 0);
                    return s * (1f + xi * (1f - s));
                })});
    }

    /** log(1 + exp(x)). */
    public Tensor softplus() {
        Tensor x = this;
        return record(unary("softplus", UnaryOp.SOFTPLUS, 0), "softplus", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> UnaryOp.SIGMOID.apply(xi, 0))});
    }

    /** clamp(x / 6 + 1/2, 0, 1). */
    public Tensor hardSigmoid() {
        Tensor x = this;
        return record(unary("hardSigmoid", UnaryOp.HARD_SIGMOID, 0), "hardSigmoid", new Tensor[]{x}, new Tensor[]{x},
                g -> new Tensor[]{chain(g, x, x, (xi, yi) -> xi > -3f && xi < 3f ? 1f / 6f : 0f)});
    }

    /**
     * Inverted dropout: zeroes each element with probability {@code p} and scales the rest by
     * 1/(1-p), with the mask drawn from {@code rng}.
     */
    public Tensor dropout(float p, Rng rng) {
        if (p < 0f || p >= 1f) throw new IllegalArgumentException("dropout: rate must be in [0, 1), got " + p);
        if (p == 0f) return this;
        return mul(dropoutMask(rng, p, shape));
    }

    /** The dropout mask: 0 with probability p, else 1/(1-p). */
    public static Tensor dropoutMask(Rng rng, float p, int... shape) {
        float keep = 1f / (1f - p);
        float[] m = new float[Shape.numel(shape)];
        for (int i = 0; i < m.length; i++) m[i] = rng.nextFloat() < p ? 0f : keep;
        return make(m, shape.clone());
    }

    // ------------------------------------------------------------------ reductions

    private enum Reduce { SUM, MAX, MIN }

    /** Reduces axes (all if empty) with a kernel; the result has the kept axes, and 1s for reduced ones if keepDims. */
    private Tensor reduceRaw(String name, Reduce kind, int[] axes, boolean keepDims) {
        requireFloat(name);
        int rank = shape.length;
        int[] ax = Shape.axes(name, axes, rank);
        boolean[] reduced = new boolean[rank];
        for (int a : ax) reduced[a] = true;
        int[] order = new int[rank];
        int k = 0;
        for (int i = 0; i < rank; i++) if (!reduced[i]) order[k++] = i;
        int kept = k;
        for (int a : ax) order[k++] = a;
        int rows = 1, cols = 1;
        int[] outShape = new int[keepDims ? rank : kept];
        for (int i = 0, o = 0; i < rank; i++) {
            if (reduced[i]) {
                cols *= shape[i];
                if (keepDims) outShape[o++] = 1;
            } else {
                rows *= shape[i];
                outShape[o++] = shape[i];
            }
        }
        if (cols == 0 && kind != Reduce.SUM) {
            throw new IllegalArgumentException(name + ": cannot reduce over an empty axis of shape " + Shape.format(shape));
        }
        float[] out = new float[rows];
        Backend be = backend();
        boolean prefix = true;
        for (int i = 0; i < ax.length; i++) prefix &= ax[i] == i;
        if (kind == Reduce.SUM && prefix && isContiguous() && rows > 1) {
            // Reducing leading axes of a contiguous tensor (a bias gradient): add whole rows.
            float[] d = (float[]) storage.array;
            for (int r = 0; r < cols; r++) be.axpy(rows, 1f, d, offset + r * rows, out, 0);
            return make(out, outShape);
        }
        Tensor p = permuteRaw(order);
        Tensor c = p.isContiguous() ? p : p.contiguousCopy();
        float[] d = (float[]) c.storage.array;
        for (int r = 0; r < rows; r++) {
            int off = c.offset + r * cols;
            out[r] = switch (kind) {
                case SUM -> be.sum(d, off, cols);
                case MAX -> be.max(d, off, cols);
                case MIN -> be.min(d, off, cols);
            };
        }
        return make(out, outShape);
    }

    private Tensor permuteRaw(int[] order) {
        int[] ns = new int[order.length], nst = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            ns[i] = shape[order[i]];
            nst[i] = strides[order[i]];
        }
        return new Tensor(storage, ns, nst, offset);
    }

    /** The gradient of a reduction's input: the output gradient with reduced axes put back as 1s, then broadcast. */
    private Tensor expandReducedGrad(Tensor g, int[] axes, boolean keepDims) {
        if (!keepDims) {
            for (int a : Shape.axes("reduce", axes, shape.length)) g = g.unsqueeze(a);
        }
        return g.expand(shape);
    }

    /** Sum of all elements. */
    public Tensor sum() {
        return sum(new int[0], false);
    }

    /** Sum over the given axes, dropping them. */
    public Tensor sum(int... axes) {
        return sum(axes, false);
    }

    /** Sum over the given axes (all if empty); keepDims leaves them as size 1. */
    public Tensor sum(int[] axes, boolean keepDims) {
        Tensor x = this;
        return record(reduceRaw("sum", Reduce.SUM, axes, keepDims), "sum", new Tensor[]{x}, null,
                g -> new Tensor[]{x.expandReducedGrad(g, axes, keepDims).contiguous()});
    }

    public Tensor mean() {
        return mean(new int[0], false);
    }

    public Tensor mean(int... axes) {
        return mean(axes, false);
    }

    public Tensor mean(int[] axes, boolean keepDims) {
        int count = reducedCount("mean", axes);
        return sum(axes, keepDims).div((float) count);
    }

    private int reducedCount(String name, int[] axes) {
        int n = 1;
        for (int a : Shape.axes(name, axes, shape.length)) n *= shape[a];
        return n;
    }

    public Tensor max() {
        return max(new int[0], false);
    }

    /** Maximum over the given axes (all if empty); the gradient is shared among tied maxima. */
    public Tensor max(int[] axes, boolean keepDims) {
        return extremeReduce("max", Reduce.MAX, axes, keepDims);
    }

    public Tensor min() {
        return min(new int[0], false);
    }

    public Tensor min(int[] axes, boolean keepDims) {
        return extremeReduce("min", Reduce.MIN, axes, keepDims);
    }

    private Tensor extremeReduce(String name, Reduce kind, int[] axes, boolean keepDims) {
        Tensor x = this, y = reduceRaw(name, kind, axes, keepDims);
        return record(y, name, new Tensor[]{x}, new Tensor[]{x, y}, g -> {
            Tensor ye = x.expandReducedGrad(y, axes, keepDims);
            Tensor mask = binary(name, BinaryOp.EQ, x, ye);
            Tensor count = mask.sum(axes, true);
            Tensor ge = x.expandReducedGrad(g, axes, keepDims);
            return new Tensor[]{ge.mul(mask).div(count)};
        });
    }

    /** Population variance (divides by n, as Keras and numpy do) over the given axes. */
    public Tensor var(int[] axes, boolean keepDims) {
        return var(axes, keepDims, 0);
    }

    /** Variance dividing by n - correction (1 gives PyTorch's unbiased default). */
    public Tensor var(int[] axes, boolean keepDims, int correction) {
        int n = reducedCount("var", axes);
        Tensor centred = sub(mean(axes, true));
        return centred.square().sum(axes, keepDims).div((float) Math.max(n - correction, 0));
    }

    /** Population standard deviation over the given axes. */
    public Tensor std(int[] axes, boolean keepDims) {
        return var(axes, keepDims).sqrt();
    }

    /** log(sum(exp(x))) over the given axes, computed stably by subtracting the maximum. */
    public Tensor logSumExp(int[] axes, boolean keepDims) {
        Tensor m = detach().max(axes, true);
        m = where(m.abs().lt(Float.POSITIVE_INFINITY), m, zerosLike(m)); // all -inf rows stay -inf, not NaN
        Tensor s = sub(m).exp().sum(axes, true).log().add(m);
        if (keepDims) return s;
        int[] ax = Shape.axes("logSumExp", axes, shape.length);
        for (int i = ax.length - 1; i >= 0; i--) s = s.squeeze(ax[i]);
        return s;
    }

    /** Index of the largest element along an axis, as int64; the first one at ties. */
    public Tensor argmax(int axis, boolean keepDims) {
        return argExtreme("argmax", axis, keepDims, true);
    }

    /** Index of the largest element of the flattened tensor. */
    public Tensor argmax() {
        return reshape(-1).argmax(0, false);
    }

    public Tensor argmin(int axis, boolean keepDims) {
        return argExtreme("argmin", axis, keepDims, false);
    }

    public Tensor argmin() {
        return reshape(-1).argmin(0, false);
    }

    private Tensor argExtreme(String name, int axis, boolean keepDims, boolean max) {
        requireFloat(name);
        int a = Shape.axis(name, axis, shape.length);
        int n = shape[a];
        if (n == 0) throw new IllegalArgumentException(name + ": axis " + axis + " of shape " + Shape.format(shape) + " is empty");
        int[] order = new int[shape.length];
        for (int i = 0, k = 0; i < shape.length; i++) if (i != a) order[k++] = i;
        order[shape.length - 1] = a;
        Tensor p = permuteRaw(order);
        Tensor c = p.isContiguous() ? p : p.contiguousCopy();
        float[] d = (float[]) c.storage.array;
        int rows = numel() / n;
        long[] out = new long[rows];
        for (int r = 0; r < rows; r++) {
            int off = c.offset + r * n, best = 0;
            float bv = d[off];
            for (int i = 1; i < n; i++) {
                float v = d[off + i];
                if (Float.isNaN(bv)) break;
                if (Float.isNaN(v) || (max ? v > bv : v < bv)) {
                    bv = v;
                    best = i;
                }
            }
            out[r] = best;
        }
        int[] os = shape.clone();
        os[a] = 1;
        Tensor res = contiguousOf(new Storage(DType.INT64, out), os);
        if (!keepDims) res = res.squeeze(a);
        return nonDifferentiable(res, name, this);
    }

    // ------------------------------------------------------------------ softmax

    /** softmax along an axis: exp(x - max) / sum(exp(x - max)). */
    public Tensor softmax(int axis) {
        int a = Shape.axis("softmax", axis, shape.length);
        if (a != shape.length - 1) return transpose(a, -1).softmax(-1).transpose(a, -1);
        Tensor x = this, y = softmaxLastAxis(false);
        return record(y, "softmax", new Tensor[]{x}, new Tensor[]{y}, g -> {
            // dx = y * (g - sum(g * y))
            float[] gd = g.toFloatArray(), yd = y.floatData();
            int n = shape[shape.length - 1];
            Backend be = backend();
            for (int off = 0; off < gd.length; off += n) {
                float s = be.dot(gd, off, yd, off, n);
                for (int i = 0; i < n; i++) gd[off + i] = yd[off + i] * (gd[off + i] - s);
            }
            return new Tensor[]{make(gd, x.shape.clone())};
        });
    }

    /** log(softmax(x)) along an axis, computed as x - max - log(sum(exp(x - max))). */
    public Tensor logSoftmax(int axis) {
        int a = Shape.axis("logSoftmax", axis, shape.length);
        if (a != shape.length - 1) return transpose(a, -1).logSoftmax(-1).transpose(a, -1);
        Tensor x = this, y = softmaxLastAxis(true);
        return record(y, "logSoftmax", new Tensor[]{x}, new Tensor[]{y}, g -> {
            // dx = g - exp(y) * sum(g)
            float[] gd = g.toFloatArray(), yd = y.floatData();
            int n = shape[shape.length - 1];
            Backend be = backend();
            for (int off = 0; off < gd.length; off += n) {
                float s = be.sum(gd, off, n);
                for (int i = 0; i < n; i++) gd[off + i] -= (float) Math.exp(yd[off + i]) * s;
            }
            return new Tensor[]{make(gd, x.shape.clone())};
        });
    }

    private Tensor softmaxLastAxis(boolean log) {
        requireFloat(log ? "logSoftmax" : "softmax");
        float[] d = toFloatArray();
        int n = shape.length == 0 ? 1 : shape[shape.length - 1];
        Backend be = backend();
        if (n == 0) return make(d, shape.clone());
        for (int off = 0; off < d.length; off += n) {
            float m = be.max(d, off, n);
            if (m == Float.NEGATIVE_INFINITY) m = 0f;
            be.unary(UnaryOp.ADD_SCALAR, -m, d, off, d, off, n);
            if (log) {
                float[] e = new float[n];
                be.unary(UnaryOp.EXP, 0, d, off, e, 0, n);
                float lse = (float) Math.log(be.sum(e, 0, n));
                be.unary(UnaryOp.ADD_SCALAR, -lse, d, off, d, off, n);
            } else {
                be.unary(UnaryOp.EXP, 0, d, off, d, off, n);
                float s = be.sum(d, off, n);
                be.unary(UnaryOp.MUL_SCALAR, 1f / s, d, off, d, off, n);
            }
        }
        return make(d, shape.clone());
    }

    // ------------------------------------------------------------------ matrix products

    /**
     * Matrix product with numpy's rules: 2-D by 2-D, batched over leading axes with broadcasting,
     * and 1-D operands promoted to a row or a column. Transposed views are passed to the kernel as
     * transposed, without a copy.
     */
    public Tensor matmul(Tensor other) {
        requireFloat("matmul");
        other.requireFloat("matmul");
        if (shape.length == 0 || other.shape.length == 0) {
            throw new IllegalArgumentException("matmul: both operands need at least one dimension, got "
                    + Shape.format(shape) + " and " + Shape.format(other.shape));
        }
        if (shape.length == 1 && other.shape.length == 1) return unsqueeze(0).matmul(other.unsqueeze(1)).reshape();
        if (shape.length == 1) return unsqueeze(0).matmul(other).squeeze(-2);
        if (other.shape.length == 1) return matmul(other.unsqueeze(1)).squeeze(-1);
        int m = shape[shape.length - 2], k = shape[shape.length - 1];
        int k2 = other.shape[other.shape.length - 2], n = other.shape[other.shape.length - 1];
        if (k != k2) {
            throw new IllegalArgumentException("matmul: cannot multiply " + Shape.format(shape) + " by " + Shape.format(other.shape)
                    + ": inner dimensions " + k + " and " + k2 + " differ");
        }
        Tensor a = this, b = other;
        Tensor y = matmulRaw(a, b, m, k, n);
        return record(y, "matmul", new Tensor[]{a, b}, new Tensor[]{a, b}, g -> new Tensor[]{
                a.requiresGrad ? sumTo(g.matmul(b.transpose(-1, -2)), a.shape) : null,
                b.requiresGrad ? sumTo(a.transpose(-1, -2).matmul(g), b.shape) : null});
    }

    private static Tensor matmulRaw(Tensor a, Tensor b, int m, int k, int n) {
        int[] batchA = Arrays.copyOf(a.shape, a.shape.length - 2), batchB = Arrays.copyOf(b.shape, b.shape.length - 2);
        int[] batch = Shape.broadcast("matmul", batchA, batchB);
        int nb = Shape.numel(batch);
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        float[] c = new float[Shape.numel(outShape)];
        if (c.length == 0) return make(c, outShape);
        Backend be = backend();
        Tensor ma = a.matrixLayout(m, k), mb = b.matrixLayout(k, n);
        boolean ta = !ma.isRowMajorMatrix(), tb = !mb.isRowMajorMatrix();
        int lda = ld(ma, ta, m, k), ldb = ld(mb, tb, k, n);
        float[] ad = (float[]) ma.storage.array, bd = (float[]) mb.storage.array;
        // A batch of rows against one shared matrix (a Dense layer on (batch, time, features)): one big product.
        boolean bShared = true;
        for (int i = 0; i < batchB.length; i++) bShared &= b.shape[i] == 1;
        if (bShared && !ta && ma.isContiguous() && Shape.equal(batchA, batch)) {
            be.gemm(false, tb, nb * m, n, k, ad, ma.offset, k, bd, mb.offset, ldb, 0f, c, 0, n);
            return make(c, outShape);
        }
        Tensor ea = ma.expandRaw(concat(batch, m, k)), eb = mb.expandRaw(concat(batch, k, n));
        int[] ia = new int[batch.length];
        for (int bi = 0; bi < nb; bi++) {
            int offA = ea.offset, offB = eb.offset;
            for (int d = 0; d < batch.length; d++) {
                offA += ia[d] * ea.strides[d];
                offB += ia[d] * eb.strides[d];
            }
            be.gemm(ta, tb, m, n, k, ad, offA, lda, bd, offB, ldb, 0f, c, bi * m * n, n);
            for (int d = batch.length - 1; d >= 0; d--) {
                if (++ia[d] < batch[d]) break;
                ia[d] = 0;
            }
        }
        return make(c, outShape);
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    /** This tensor if its last two axes form a row-major or column-major matrix, else a contiguous copy. */
    private Tensor matrixLayout(int rows, int cols) {
        if (isRowMajorMatrix() || isColumnMajorMatrix()) return this;
        return contiguousCopy();
    }

    /** Last two axes: unit stride along columns, rows at least a row apart. */
    private boolean isRowMajorMatrix() {
        int rows = shape[shape.length - 2], cols = shape[shape.length - 1];
        int sr = strides[shape.length - 2], sc = strides[shape.length - 1];
        return (sc == 1 || cols == 1) && (sr >= cols || rows == 1);
    }

    /** Last two axes: unit stride along rows, columns at least a column apart (a transposed view). */
    private boolean isColumnMajorMatrix() {
        int rows = shape[shape.length - 2], cols = shape[shape.length - 1];
        int sr = strides[shape.length - 2], sc = strides[shape.length - 1];
        return (sr == 1 || rows == 1) && (sc >= rows || cols == 1);
    }

    /** Leading dimension for the kernel: the row stride of a row-major matrix, the column stride of a transposed one. */
    private static int ld(Tensor t, boolean transposed, int rows, int cols) {
        int sr = t.strides[t.shape.length - 2], sc = t.strides[t.shape.length - 1];
        if (transposed) return cols == 1 ? Math.max(rows, 1) : Math.max(sc, Math.max(rows, 1));
        return rows == 1 ? Math.max(cols, 1) : Math.max(sr, Math.max(cols, 1));
    }

    // ------------------------------------------------------------------ printing

    /** Shape, dtype and up to six values per axis: {@code tensor([[1.0, 2.0], [3.0, 4.0]], shape=(2, 2), dtype=float32)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("tensor(");
        appendValues(sb, 0, offset);
        sb.append(", shape=").append(Shape.format(shape)).append(", dtype=").append(storage.dtype);
        if (gradFn != null) sb.append(", gradFn=").append(gradFn.op);
        else if (requiresGrad) sb.append(", requiresGrad=true");
        return sb.append(')').toString();
    }

    private void appendValues(StringBuilder sb, int axis, int pos) {
        if (axis == shape.length) {
            double v = storage.getAsDouble(pos);
            if (storage.dtype == DType.FLOAT32) sb.append(formatFloat((float) v));
            else sb.append((long) v);
            return;
        }
        sb.append('[');
        int n = shape[axis];
        for (int i = 0; i < n; i++) {
            if (n > 6 && i == 3) {
                sb.append("..., ");
                i = n - 3;
            }
            appendValues(sb, axis + 1, pos + i * strides[axis]);
            if (i < n - 1) sb.append(", ");
        }
        sb.append(']');
    }

    private static String formatFloat(float v) {
        if (!Float.isFinite(v)) return Float.toString(v);
        float a = Math.abs(v);
        if (a != 0f && (a < 1e-4f || a >= 1e7f)) return String.format(Locale.ROOT, "%.4e", v);
        String s = String.format(Locale.ROOT, "%.4f", v);
        int end = s.length();
        while (s.charAt(end - 1) == '0' && s.charAt(end - 2) != '.') end--;
        return s.substring(0, end);
    }
}
