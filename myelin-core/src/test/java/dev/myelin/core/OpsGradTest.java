package dev.myelin.core;

import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Gradient checks for every differentiable op in Tensor, on random shapes that include
 * broadcasting, non-contiguous views (made inside f from contiguous leaves), size-1 and odd sizes.
 */
class OpsGradTest {
    final Rng rng = new Rng(2024);

    Tensor param(int... shape) {
        return Tensor.uniform(rng, -2f, 2f, shape).requiresGrad(true);
    }

    /** Values bounded away from zero (|x| in [0.3, 2]), for ops with a kink or pole at 0. */
    Tensor awayFromZero(int... shape) {
        Tensor u = Tensor.uniform(rng, 0.3f, 2f, shape);
        Tensor s = Tensor.rand(rng, shape).gt(0.5f).mul(2f).sub(1f);
        return u.mul(s).detach().requiresGrad(true);
    }

    Tensor positive(int... shape) {
        return Tensor.uniform(rng, 0.2f, 3f, shape).requiresGrad(true);
    }

    static void check(Function<Tensor[], Tensor> f, Tensor... xs) {
        GradCheck.check(f, xs);
    }

    @Test
    void arithmeticWithBroadcasting() {
        check(x -> x[0].add(x[1]), param(3, 1, 5), param(4, 1));
        check(x -> x[0].sub(x[1]), param(2, 3), param(3));
        check(x -> x[0].mul(x[1]), param(1, 7), param(3, 1));
        check(x -> x[0].div(x[1]), param(2, 5), positive(5));
        check(x -> x[0].add(3f).mul(-2f).sub(1f).div(4f).rsub(2f), param(3, 3));
        check(x -> x[0].neg(), param(17));
    }

    @Test
    void throughNonContiguousViews() {
        check(x -> x[0].transpose(0, 1).mul(x[1]), param(4, 3), param(3, 4));
        check(x -> x[0].permute(2, 0, 1).slice(1, 1, 3).exp(), param(3, 4, 2));
        check(x -> x[0].slice(0, 0, 5, 2).add(x[1].reshape(3, 1).expand(3, 4)), param(5, 4), param(3));
        check(x -> x[0].t().reshape(6).square(), param(2, 3));
        check(x -> x[0].unsqueeze(0).squeeze(0).select(1, 2).tanh(), param(2, 3));
        check(x -> x[0].flatten(0, 1).contiguous().sigmoid(), param(3, 1, 2));
        check(x -> x[0].copy().mul(x[0]), param(5));
    }

    @Test
    void unaryMaths() {
        check(x -> x[0].exp(), param(3, 5));
        check(x -> x[0].log(), positive(4, 3));
        check(x -> x[0].sqrt(), positive(7));
        check(x -> x[0].rsqrt(), positive(7));
        check(x -> x[0].square(), param(1, 1));
        check(x -> x[0].abs(), awayFromZero(9));
        check(x -> x[0].pow(3f), param(5));
        check(x -> x[0].pow(0.5f), positive(5));
        check(x -> x[0].pow(x[1]), positive(2, 3), param(3));
        check(x -> x[0].clamp(-0.5f, 0.7f), awayFromKinks(new float[]{-0.5f, 0.7f}, 17));
    }

    /** Uniform values at least 0.05 from each kink. */
    Tensor awayFromKinks(float[] kinks, int n) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            float v;
            boolean near;
            do {
                v = -2f + 4f * rng.nextFloat();
                near = false;
                for (float k : kinks) near |= Math.abs(v - k) < 0.05f;
            } while (near);
            d[i] = v;
        }
        return Tensor.of(d).requiresGrad(true);
    }

    @Test
    void maximumAndMinimum() {
        Tensor a = param(3, 4), b = param(4);
        check(x -> x[0].maximum(x[1]), a, b);
        check(x -> x[0].minimum(x[1]), a, b);
        // ties split the gradient evenly
        Tensor p = Tensor.of(new float[]{1, 2}).requiresGrad(true), q = Tensor.of(new float[]{1, 3}).requiresGrad(true);
        p.maximum(q).sum().backward();
        assertArrayEquals(new float[]{0.5f, 0f}, p.grad().toFloatArray());
        assertArrayEquals(new float[]{0.5f, 1f}, q.grad().toFloatArray());
    }

    @Test
    void whereChoosesAndRoutesGradients() {
        Tensor c = Tensor.of(new float[]{1, 0, 1, 0}, 2, 2);
        check(x -> Tensor.where(c, x[0], x[1]), param(2, 2), param(2));
        Tensor r = Tensor.where(c, Tensor.ones(2, 2), Tensor.full(Float.POSITIVE_INFINITY, 2, 2));
        assertArrayEquals(new float[]{1, Float.POSITIVE_INFINITY, 1, Float.POSITIVE_INFINITY}, r.toFloatArray());
    }

    @Test
    void activations() {
        check(x -> x[0].relu(), awayFromZero(4, 5));
        check(x -> x[0].leakyRelu(0.1f), awayFromZero(4, 5));
        check(x -> x[0].elu(1.3f), awayFromZero(4, 5));
        check(x -> x[0].sigmoid(), param(4, 5));
        check(x -> x[0].tanh(), param(4, 5));
        check(x -> x[0].gelu(), param(4, 5));
        check(x -> x[0].geluTanh(), param(4, 5));
        check(x -> x[0].silu(), param(4, 5));
        check(x -> x[0].softplus(), param(4, 5));
        check(x -> x[0].hardSigmoid(), awayFromKinks(new float[]{-3f, 3f}, 20).mul(2f).detach().requiresGrad(true));
    }

    @Test
    void activationValues() {
        Tensor x = Tensor.of(new float[]{-1f, 0f, 2f});
        assertArrayEquals(new float[]{0, 0, 2}, x.relu().toFloatArray());
        assertArrayEquals(new float[]{-0.2f, 0, 2}, x.leakyRelu(0.2f).toFloatArray(), 1e-7f);
        assertArrayEquals(new float[]{(float) Math.expm1(-1), 0, 2}, x.elu(1f).toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{0.26894142f, 0.5f, 0.880797f}, x.sigmoid().toFloatArray(), 1e-6f);
        // Exact GELU values from scipy: x * norm.cdf(x)
        assertArrayEquals(new float[]{-0.15865525f, 0f, 1.9544997f}, x.gelu().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{-0.15880801f, 0f, 1.9545977f}, x.geluTanh().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{-0.26894142f, 0f, 1.761594f}, x.silu().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{0.31326166f, 0.6931472f, 2.126928f}, x.softplus().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{1f / 3f, 0.5f, 5f / 6f}, x.hardSigmoid().toFloatArray(), 1e-6f);
        assertEquals(1f, Tensor.of(new float[]{-100f, 100f}).sigmoid().get(1));
        assertEquals(0f, Tensor.of(new float[]{-100f, 100f}).sigmoid().get(0), 1e-30f);
        assertEquals(100f, Tensor.of(new float[]{100f}).softplus().get(0), 1e-4f);
    }

    @Test
    void reductions() {
        check(x -> x[0].sum(), param(3, 4));
        check(x -> x[0].sum(new int[]{0}, false), param(3, 4));
        check(x -> x[0].sum(new int[]{1}, true), param(3, 4));
        check(x -> x[0].sum(new int[]{0, 2}, false), param(2, 3, 5));
        check(x -> x[0].transpose(0, 2).sum(new int[]{1}, false), param(2, 3, 5));
        check(x -> x[0].mean(new int[]{-1}, true), param(3, 7));
        check(x -> x[0].max(new int[]{1}, false), param(4, 6));
        check(x -> x[0].min(new int[]{0, 1}, true), param(3, 5));
        check(x -> x[0].var(new int[]{1}, false), param(3, 6));
        check(x -> x[0].var(new int[]{0}, true, 1), param(5, 2));
        check(x -> x[0].std(new int[]{0}, false), param(6, 3));
        check(x -> x[0].logSumExp(new int[]{1}, false), param(3, 5));
        check(x -> x[0].logSumExp(new int[]{0, 1}, true), param(3, 5));
    }

    @Test
    void reductionValues() {
        Tensor x = Tensor.of(new float[]{1, 5, 3, 4, 2, 6}, 2, 3);
        assertArrayEquals(new float[]{5, 7, 9}, x.sum(0).toFloatArray());
        assertArrayEquals(new float[]{9, 12}, x.sum(1).toFloatArray());
        assertArrayEquals(new int[]{2, 1}, x.sum(new int[]{1}, true).shape());
        assertArrayEquals(new float[]{3, 4}, x.mean(new int[]{1}, false).toFloatArray());
        assertArrayEquals(new float[]{5, 6}, x.max(new int[]{1}, false).toFloatArray());
        assertArrayEquals(new float[]{1, 2, 3}, x.min(new int[]{0}, false).toFloatArray());
        assertArrayEquals(new long[]{1, 2}, x.argmax(1, false).toLongArray());
        assertArrayEquals(new long[]{0, 1, 0}, x.argmin(0, false).toLongArray());
        assertEquals(5L, x.argmax().getLong());
        assertArrayEquals(new float[]{8f / 3f, 8f / 3f}, x.var(new int[]{1}, false).toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{4f, 4f}, x.var(new int[]{1}, false, 1).toFloatArray(), 1e-6f);
        float lse = (float) Math.log(Math.exp(1) + Math.exp(5) + Math.exp(3));
        assertEquals(lse, x.logSumExp(new int[]{1}, false).get(0), 1e-5f);
        assertEquals(1000f + (float) Math.log(2), Tensor.of(new float[]{1000, 1000}).logSumExp(new int[]{0}, false).item(), 1e-3f);
        assertEquals(Float.NEGATIVE_INFINITY, Tensor.full(Float.NEGATIVE_INFINITY, 3).logSumExp(new int[0], false).item());
        assertEquals(21f, x.sum().item());
    }

    @Test
    void softmaxIsStableAndDifferentiable() {
        check(x -> x[0].softmax(-1), param(3, 5));
        check(x -> x[0].softmax(0), param(3, 5));
        check(x -> x[0].logSoftmax(1), param(2, 4, 3));
        check(x -> x[0].logSoftmax(-1), param(1, 1));
        Tensor big = Tensor.of(new float[]{1000f, 1001f, 1002f});
        float[] p = big.softmax(0).toFloatArray();
        assertEquals(1f, p[0] + p[1] + p[2], 1e-6f);
        assertEquals(0.66524096f, p[2], 1e-6f);
        assertEquals(-0.40760596f, big.logSoftmax(0).get(2), 1e-5f);
        assertEquals(-1002f, Tensor.of(new float[]{-1000f, 2f}).logSoftmax(0).get(0), 1e-3f);
    }

    @Test
    void matmulPlainBatchedAndTransposed() {
        check(x -> x[0].matmul(x[1]), param(3, 4), param(4, 5));
        check(x -> x[0].matmul(x[1]), param(2, 3, 4), param(4, 2));
        check(x -> x[0].matmul(x[1]), param(2, 1, 3, 4), param(3, 4, 2));
        check(x -> x[0].t().matmul(x[1].t()), param(4, 3), param(5, 4));
        check(x -> x[0].matmul(x[1]), param(4), param(4, 3));
        check(x -> x[0].matmul(x[1]), param(2, 4), param(4));
        check(x -> x[0].transpose(1, 2).matmul(x[1]), param(2, 4, 3), param(2, 4, 1));
        check(x -> x[0].matmul(x[1]), param(1, 1), param(1, 1));
        check(x -> x[0].matmul(x[1]), param(5), param(5));
        check(x -> x[0].slice(1, 0, 9, 2).matmul(x[1]), param(1, 9), param(5, 3));
    }

    @Test
    void matmulValues() {
        Tensor a = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[]{7, 8, 9, 10, 11, 12}, 3, 2);
        assertArrayEquals(new float[]{58, 64, 139, 154}, a.matmul(b).toFloatArray());
        assertArrayEquals(new float[]{58, 139, 64, 154}, b.t().matmul(a.t()).toFloatArray());
        Tensor batch = Tensor.arange(24).reshape(2, 3, 4);
        Tensor w = Tensor.arange(8).reshape(4, 2);
        Tensor viaLoop = ShapeTestSupport.stack0(batch.select(0, 0).matmul(w), batch.select(0, 1).matmul(w));
        assertArrayEquals(viaLoop.toFloatArray(), batch.matmul(w).toFloatArray());
        assertArrayEquals(new int[]{2, 3, 2}, batch.matmul(w).shape());
        assertEquals(0, Tensor.zeros(0, 3).matmul(Tensor.zeros(3, 2)).numel());
        // strided single rows and vectors (views the kernel must see as transposed)
        Tensor v = Tensor.arange(14).slice(0, 0, 14, 2); // 0, 2, ..., 12
        assertArrayEquals(new float[]{42, 42}, v.matmul(Tensor.ones(7, 2)).toFloatArray());
        assertEquals(42f, Tensor.arange(14).reshape(1, 14).slice(1, 0, 14, 2).matmul(Tensor.ones(7, 1)).item());
        assertArrayEquals(new float[]{0, 2, 4, 6, 8, 10, 12}, Tensor.ones(3, 1).matmul(Tensor.arange(14).reshape(1, 14).slice(1, 0, 14, 2)).select(0, 2).toFloatArray());
        assertArrayEquals(new float[]{42, 140}, Tensor.arange(28).reshape(2, 1, 14).slice(2, 0, 14, 2).matmul(Tensor.ones(7, 1)).reshape(2).toFloatArray());
        // vector . vector is a scalar
        Tensor dot = Tensor.of(new float[]{1, 2}).matmul(Tensor.of(new float[]{3, 4}));
        assertArrayEquals(new int[0], dot.shape());
        assertEquals(11f, dot.item());
        assertEquals(0, Tensor.zeros(3, 0).t().reshape(3, 0).numel());
    }

    @Test
    void dropoutIsSeededAndScaled() {
        Tensor x = Tensor.ones(1000);
        Tensor a = x.dropout(0.25f, new Rng(5)), b = x.dropout(0.25f, new Rng(5));
        assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        float[] v = a.toFloatArray();
        int zeros = 0;
        for (float f : v) {
            if (f == 0f) zeros++;
            else assertEquals(1f / 0.75f, f, 1e-6f);
        }
        assertEquals(250, zeros, 40);
        Tensor p = Tensor.ones(20).requiresGrad(true);
        Tensor y = p.dropout(0.5f, new Rng(1));
        y.sum().backward();
        assertArrayEquals(y.toFloatArray(), p.grad().toFloatArray());
    }
}
