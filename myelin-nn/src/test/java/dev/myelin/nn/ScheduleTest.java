package dev.myelin.nn;

import dev.myelin.core.Tensor;
import dev.myelin.nn.optimizers.Optimizer;
import dev.myelin.nn.optimizers.Optimizers;
import dev.myelin.nn.optimizers.SGD;
import dev.myelin.nn.optimizers.schedules.CosineDecay;
import dev.myelin.nn.optimizers.schedules.CosineDecayRestarts;
import dev.myelin.nn.optimizers.schedules.ExponentialDecay;
import dev.myelin.nn.optimizers.schedules.InverseTimeDecay;
import dev.myelin.nn.optimizers.schedules.LearningRateSchedule;
import dev.myelin.nn.optimizers.schedules.PiecewiseConstantDecay;
import dev.myelin.nn.optimizers.schedules.PolynomialDecay;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Learning-rate schedules against values worked out by hand from Keras 3's formulas. */
class ScheduleTest {

    static final double EPS = 1e-12;

    @Test
    void exponentialDecay() {
        ExponentialDecay s = new ExponentialDecay(0.1, 10, 0.5);
        assertEquals(0.1, s.rate(0), EPS);
        assertEquals(0.1 * Math.sqrt(0.5), s.rate(5), EPS); // 0.5^(5/10)
        assertEquals(0.025, s.rate(20), EPS);               // 0.5^2
        ExponentialDecay stairs = new ExponentialDecay(0.1, 10, 0.5, true);
        assertEquals(0.1, stairs.rate(9), EPS);             // floor(9/10) = 0
        assertEquals(0.05, stairs.rate(15), EPS);           // floor(15/10) = 1
        assertEquals(0.025, stairs.rate(20), EPS);
    }

    @Test
    void piecewiseConstantDecay() {
        // Keras's doc example: 1.0 for steps <= 100000, 0.5 up to 110000, then 0.1
        PiecewiseConstantDecay s = new PiecewiseConstantDecay(new long[]{100_000, 110_000}, new double[]{1.0, 0.5, 0.1});
        assertEquals(1.0, s.rate(0));
        assertEquals(1.0, s.rate(100_000));
        assertEquals(0.5, s.rate(100_001));
        assertEquals(0.5, s.rate(110_000));
        assertEquals(0.1, s.rate(110_001));
        assertEquals(0.1, s.rate(10_000_000));
    }

    @Test
    void polynomialDecay() {
        PolynomialDecay s = new PolynomialDecay(0.1, 100, 0.01, 0.5, false);
        assertEquals(0.1, s.rate(0), EPS);
        assertEquals(0.09 * 0.5 + 0.01, s.rate(75), EPS);   // (0.1 - 0.01) * sqrt(1 - 0.75) + 0.01
        assertEquals(0.01, s.rate(100), EPS);
        assertEquals(0.01, s.rate(250), EPS);               // held at the end
        PolynomialDecay cyc = new PolynomialDecay(0.1, 100, 0.01, 0.5, true);
        assertEquals(0.1, cyc.rate(0), EPS);                // multiplier 1 at step 0
        assertEquals(0.09 * 0.5 + 0.01, cyc.rate(150), EPS); // decay over 200: sqrt(1 - 150/200)
        PolynomialDecay linear = new PolynomialDecay(1.0, 10);
        assertEquals(1.0 - 0.9999 * 0.3, linear.rate(3), EPS); // Keras's defaults: end 1e-4, power 1
    }

    @Test
    void inverseTimeDecay() {
        InverseTimeDecay s = new InverseTimeDecay(0.1, 1, 0.5);
        assertEquals(0.1, s.rate(0), EPS);
        assertEquals(0.05, s.rate(2), EPS);                  // 0.1 / (1 + 0.5 * 2)
        InverseTimeDecay stairs = new InverseTimeDecay(0.1, 4, 0.5, true);
        assertEquals(0.1 / 1.5, stairs.rate(6), EPS);        // floor(6/4) = 1
    }

    @Test
    void cosineDecay() {
        CosineDecay s = new CosineDecay(0.1, 100);
        assertEquals(0.1, s.rate(0), EPS);
        assertEquals(0.05, s.rate(50), EPS);                 // 0.5 * (1 + cos(pi/2))
        assertEquals(0.1 * 0.5 * (1 + Math.cos(Math.PI / 4)), s.rate(25), EPS);
        assertEquals(0.0, s.rate(100), EPS);
        assertEquals(0.0, s.rate(150), EPS);                 // held at the end
        CosineDecay floor = new CosineDecay(0.1, 100, 0.1);
        assertEquals(0.1 * (0.9 * 0.5 + 0.1), floor.rate(50), EPS);
        assertEquals(0.01, floor.rate(1000), EPS);           // initial * alpha
    }

    @Test
    void cosineDecayWithWarmup() {
        // warm up from 0 to 0.1 over 10 steps, then cosine from 0.1 to 0 over 100
        CosineDecay s = new CosineDecay(0.0, 100, 0.0, 0.1, 10);
        assertEquals(0.0, s.rate(0), EPS);
        assertEquals(0.05, s.rate(5), EPS);
        assertEquals(0.09, s.rate(9), EPS);
        assertEquals(0.1, s.rate(10), EPS);
        assertEquals(0.05, s.rate(60), EPS);
        assertEquals(0.0, s.rate(110), EPS);
        assertEquals(0.0, s.rate(500), EPS);
        // warm up from a non-zero start, decay floor alpha * warmup_target
        CosineDecay t = new CosineDecay(0.01, 10, 0.5, 0.11, 4);
        assertEquals(0.01 + 0.1 * 2 / 4, t.rate(2), EPS);
        assertEquals(0.11 * (0.5 * 0.5 + 0.5), t.rate(9), EPS); // 5 of 10 decay steps
        assertEquals(0.055, t.rate(100), EPS);
    }

    @Test
    void cosineDecayRestarts() {
        // periods of 10, 20, 40 steps (t_mul 2), each starting at half the last (m_mul 0.5)
        CosineDecayRestarts s = new CosineDecayRestarts(1.0, 10, 2.0, 0.5, 0.0);
        assertEquals(1.0, s.rate(0), EPS);
        assertEquals(0.5, s.rate(5), EPS);                   // half way through the first period
        assertEquals(0.5, s.rate(10), EPS);                  // restart 1 at 0.5
        assertEquals(0.25, s.rate(20), EPS);                 // half way through the 20-step period
        assertEquals(0.25, s.rate(30), EPS);                 // restart 2 at 0.25
        CosineDecayRestarts even = new CosineDecayRestarts(1.0, 10, 1.0, 1.0, 0.2);
        assertEquals(0.2 + 0.8 * 0.5, even.rate(15), EPS);   // second period, half way
        assertEquals(1.0, even.rate(20), EPS);
    }

    @Test
    void serializationRoundTrips() {
        List<LearningRateSchedule> all = List.of(
                new ExponentialDecay(0.1, 10, 0.5, true),
                new PiecewiseConstantDecay(new long[]{5, 9}, new double[]{1, 0.5, 0.25}),
                new PolynomialDecay(0.1, 100, 0.01, 0.5, true),
                new InverseTimeDecay(0.1, 3, 0.5, false),
                new CosineDecay(0.0, 100, 0.1, 0.1, 10),
                new CosineDecay(0.1, 100),
                new CosineDecayRestarts(1.0, 10, 2.0, 0.5, 0.1));
        for (LearningRateSchedule s : all) {
            Map<String, Object> m = LearningRateSchedule.serialize(s);
            assertEquals(s.getClass().getSimpleName(), m.get("class_name"));
            LearningRateSchedule back = LearningRateSchedule.deserialize(m);
            assertEquals(s, back);
            for (long step = 0; step < 200; step += 7) assertEquals(s.rate(step), back.rate(step), 0.0, s + " at " + step);
        }
        // Keras writes "name" in schedule configs; it is accepted
        Map<String, Object> c = new LinkedHashMap<>(new ExponentialDecay(0.1, 10, 0.5).config());
        c.put("name", "ExponentialDecay");
        assertEquals(new ExponentialDecay(0.1, 10, 0.5), LearningRateSchedule.deserialize(Map.of("class_name", "ExponentialDecay", "config", c)));
        // null warmup_target (Keras's None) stays null
        assertNull(new CosineDecay(0.1, 100).config().get("warmup_target"));
        assertTrue(new CosineDecay(0.1, 100).config().containsKey("warmup_target"));
    }

    @Test
    void optimizerFollowsAScheduleStepByStep() {
        // SGD, gradient 1: w falls by the rate of each step; piecewise 0.1 for steps 0..2, then 0.01
        SGD opt = new SGD(1f);
        opt.schedule(new PiecewiseConstantDecay(new long[]{2}, new double[]{0.1, 0.01}));
        Parameter p = new Parameter("w", Tensor.zeros(1), true, null);
        float[] rates = new float[5];
        for (int s = 0; s < 5; s++) {
            rates[s] = opt.currentLearningRate();
            p.value().setGrad(Tensor.ones(1));
            opt.step(List.of(p));
        }
        assertArrayEquals(new float[]{0.1f, 0.1f, 0.1f, 0.01f, 0.01f}, rates);
        assertEquals(-0.32f, p.value().item(), 1e-6f);
        // the schedule survives the optimizer's config
        Optimizer back = Optimizers.fromConfig(opt.config());
        assertEquals(opt.learningRateSchedule(), back.learningRateSchedule());
        // a schedule can be removed again, making the rate settable
        opt.schedule((LearningRateSchedule) null);
        opt.setLearningRate(0.5f);
        assertEquals(0.5f, opt.currentLearningRate());
    }

    @Test
    void badSchedulesAreRefusedClearly() {
        assertMessage("ExponentialDecay: decay_steps must be > 0, got 0", () -> new ExponentialDecay(0.1, 0, 0.5));
        assertMessage("expected one value more than boundaries, got 2 boundaries", () -> new PiecewiseConstantDecay(new long[]{1, 2}, new double[]{1, 2}));
        assertMessage("boundaries must be strictly increasing, got [5, 5]", () -> new PiecewiseConstantDecay(new long[]{5, 5}, new double[]{1, 2, 3}));
        assertMessage("CosineDecay: warmup_steps must be >= 0, got -1", () -> new CosineDecay(0.0, 10, 0.0, 0.1, -1));
        assertMessage("CosineDecay: initial_learning_rate must be a finite number, got NaN", () -> new CosineDecay(Double.NaN, 10));
        assertMessage("unknown learning rate schedule 'StepDecay'", () -> LearningRateSchedule.deserialize(Map.of("class_name", "StepDecay", "config", Map.of())));
        assertMessage("ExponentialDecay config: unknown key 'decay'", () -> LearningRateSchedule.deserialize(
                Map.of("class_name", "ExponentialDecay", "config", Map.of("initial_learning_rate", 0.1, "decay_steps", 10, "decay_rate", 0.5, "decay", 1))));
        assertMessage("ExponentialDecay config: 'decay_steps' must be an integer, got 2.5", () -> LearningRateSchedule.deserialize(
                Map.of("class_name", "ExponentialDecay", "config", Map.of("initial_learning_rate", 0.1, "decay_steps", 2.5, "decay_rate", 0.5))));
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable run) {
        var e = assertThrows(IllegalArgumentException.class, run);
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }
}
