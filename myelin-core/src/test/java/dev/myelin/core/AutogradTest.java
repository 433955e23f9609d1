package dev.myelin.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AutogradTest {

    @Test
    void gradientsOfASmallExpression() {
        // f = sum((x * w + b)^2); df/dx = 2 (xw + b) w
        Tensor x = Tensor.of(new float[]{1, 2, 3}).requiresGrad(true);
        Tensor w = Tensor.scalar(2f).requiresGrad(true);
        Tensor b = Tensor.of(new float[]{1}).requiresGrad(true);
        Tensor f = x.mul(w).add(b).square().sum();
        assertEquals(9 + 25 + 49, f.item());
        f.backward();
        assertArrayEquals(new float[]{12, 20, 28}, x.grad().toFloatArray());
        assertEquals(2 * (3 * 1 + 5 * 2 + 7 * 3), w.grad().item());   // sum 2(xw+b) x
        assertArrayEquals(new float[]{2 * (3 + 5 + 7)}, b.grad().toFloatArray()); // broadcast: summed back
    }

    @Test
    void gradientsAccumulateUntilCleared() {
        Tensor x = Tensor.of(new float[]{1, 2}).requiresGrad(true);
        x.mul(3f).sum().backward();
        x.mul(3f).sum().backward();
        assertArrayEquals(new float[]{6, 6}, x.grad().toFloatArray());
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Test
    void aTensorUsedTwiceGetsBothContributions() {
        Tensor x = Tensor.of(new float[]{2}).requiresGrad(true);
        x.mul(x).add(x).sum().backward(); // d(x^2 + x) = 2x + 1
        assertEquals(5f, x.grad().item());
    }

    @Test
    void detachAndNoGradStopTheGraph() {
        Tensor x = Tensor.of(new float[]{1, 2}).requiresGrad(true);
        Tensor y = x.mul(2f).detach();
        assertFalse(y.requiresGrad());
        try (var ignored = GradMode.noGrad()) {
            Tensor z = x.mul(2f);
            assertFalse(z.requiresGrad());
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        var e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void backwardThroughANonDifferentiableOpSaysSo() {
        Tensor x = Tensor.of(new float[]{1, -2}).requiresGrad(true);
        var e = assertThrows(IllegalStateException.class, () -> x.gt(0f).sum().backward());
        assertTrue(e.getMessage().contains("'gt'") && e.getMessage().contains("not differentiable"), e.getMessage());
        var a = assertThrows(IllegalStateException.class, () -> x.argmax().toFloat().sum().backward());
        assertTrue(a.getMessage().contains("does not require grad") || a.getMessage().contains("argmax"), a.getMessage());
    }

    @Test
    void inPlaceChangeOfASavedTensorIsCaught() {
        Tensor w = Tensor.of(new float[]{1, 2}).requiresGrad(true);
        Tensor a = Tensor.of(new float[]{3, 4});
        Tensor y = w.mul(a).sum();
        a.fill(0f); // mul saved a for its backward
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'mul'") && e.getMessage().contains("modified in place"), e.getMessage());
    }

    @Test
    void inPlaceOnAParameterWhileRecordingIsRefused() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> w.fill(0f));
        try (var ignored = GradMode.noGrad()) {
            w.addScaledInPlace(-0.5f, Tensor.ones(2));
        }
        assertArrayEquals(new float[]{0.5f, 0.5f}, w.toFloatArray());
    }

    @Test
    void gradientFlowsThroughViews() {
        Tensor x = Tensor.arange(6).reshape(2, 3).requiresGrad(true);
        // only column 1 of the transpose's first row... i.e. x[1, 0] and x[0, 0]
        Tensor y = x.t().slice(0, 0, 1).mul(Tensor.of(new float[]{10, 20}, 1, 2)).sum();
        y.backward();
        assertArrayEquals(new float[]{10, 0, 0, 20, 0, 0}, x.grad().toFloatArray());
        Tensor z = Tensor.of(new float[]{1, 2, 3}).requiresGrad(true);
        z.reshape(3, 1).expand(3, 4).sum().backward();
        assertArrayEquals(new float[]{4, 4, 4}, z.grad().toFloatArray());
    }

    @Test
    void backwardNeedsAScalarOrAGradient() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        var e = assertThrows(IllegalArgumentException.class, () -> x.mul(2f).backward());
        assertTrue(e.getMessage().contains("one-element"), e.getMessage());
        x.mul(2f).backward(Tensor.of(new float[]{1, 3}));
        assertArrayEquals(new float[]{2, 6}, x.grad().toFloatArray());
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Tensor x = Tensor.ones(1).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 20000; i++) y = y.mul(1.0001f);
        y.sum().backward();
        assertEquals(Math.pow(1.0001, 20000), x.grad().item(), 1e-2);
    }
}
