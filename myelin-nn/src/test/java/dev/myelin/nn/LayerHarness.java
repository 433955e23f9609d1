package dev.myelin.nn;

import dev.myelin.core.GradMode;
import dev.myelin.core.Rng;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.optimizers.SGD;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The shared layer test (STYLE habit 7): runs any single-input layer through
 * <ol>
 *   <li>output shape: what {@code summary()}/computeOutputShape says equals what call() returns;</li>
 *   <li>parameter count: equals the expected count and the sum of the weights' sizes;</li>
 *   <li>config round trip: {@code fromConfig(config())} gives the same config, and with the same
 *       weights the same outputs;</li>
 *   <li>one training step (SGD on MSE through a Flatten + Dense(1) head) lowers the loss on a fixed batch.</li>
 * </ol>
 *
 * <pre>{@code LayerHarness.check(() -> new Dense(4, "relu"), Tensor.randn(new Rng(1), 3, 5), 24);}</pre>
 */
public final class LayerHarness {
    private LayerHarness() {}

    /** Runs every check; {@code input} has the batch axis first; {@code expectedParams} counts the layer's own weights. */
    public static void check(Supplier<Layer> factory, Tensor input, long expectedParams) {
        int[] shape = input.shape();
        int[] inShape = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        Layer layer = factory.get();
        Sequential model = new Sequential(new InputLayer(inShape), layer);
        String what = layer.describe();

        // 1. shapes: declared vs computed
        int[] declared = model.outputShapes().get(0);
        Tensor y = model.predict(input, shape[0]);
        int[] got = y.shape();
        int[] gotNoBatch = java.util.Arrays.copyOfRange(got, 1, got.length);
        assertEquals(shape[0], got[0], what + ": batch axis changed");
        for (int i = 0; i < declared.length; i++) {
            if (declared[i] >= 0) assertEquals(declared[i], gotNoBatch[i], what + ": declared output " + Layer.withBatch(declared) + ", got " + Shape.format(got));
        }
        assertEquals(declared.length, gotNoBatch.length, what + ": output rank");
        assertTrue(model.summary().contains(Layer.withBatch(declared)), what + ": summary shows the declared shape");

        // 2. parameter count
        long sum = 0;
        for (Parameter p : layer.weights()) sum += p.numel();
        assertEquals(expectedParams, layer.countParams(), what + ": parameter count");
        assertEquals(sum, layer.countParams(), what + ": countParams vs weights");

        // 3. config round trip, and the same outputs with the same weights
        Map<String, Object> cfg = Layers.toConfig(layer);
        Layer copy = Layers.fromConfig(cfg);
        assertEquals(cfg, Layers.toConfig(copy), what + ": config round trip");
        Sequential model2 = new Sequential(new InputLayer(inShape), copy);
        List<Parameter> a = layer.weights(), b = copy.weights();
        assertEquals(a.size(), b.size(), what + ": weight count after round trip");
        for (int i = 0; i < a.size(); i++) b.get(i).assign(a.get(i).value());
        assertArrayEquals(y.toFloatArray(), model2.predict(input, shape[0]).toFloatArray(), 0f, what + ": outputs after config round trip");

        // 4. one training step lowers the loss on a fixed batch
        Layer fresh = factory.get();
        Sequential train = new Sequential(new InputLayer(inShape), fresh, new Flatten(), new Dense(1));
        train.seed(11);
        Rng rng = new Rng(5);
        Tensor target = Tensor.randn(rng, shape[0], 1);
        train.compile(new SGD(0.01f), new MeanSquaredError());
        double before = train.evaluate(input, target, shape[0]).get("loss");
        Batch batch = new Batch(input, target);
        train.trainStep(batch, List.of());
        double after = train.evaluate(input, target, shape[0]).get("loss");
        assertTrue(after < before, what + ": one SGD step should lower the loss (before " + before + ", after " + after + ")");
        try (var ignored = GradMode.noGrad()) {
            for (Parameter p : fresh.trainableWeights()) {
                assertNotNull(p.grad(), what + ": weight " + p.name() + " got no gradient");
            }
        }
    }

    /** Like {@link #check} with a standard-normal batch of the given shape (batch axis first). */
    public static void check(Supplier<Layer> factory, int[] shapeWithBatch, long expectedParams) {
        check(factory, Tensor.randn(new Rng(3), shapeWithBatch), expectedParams);
    }
}
