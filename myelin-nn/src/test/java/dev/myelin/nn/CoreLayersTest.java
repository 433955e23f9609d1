package dev.myelin.nn;

import dev.myelin.nn.layers.Activation;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Dropout;
import dev.myelin.nn.layers.Flatten;
import org.junit.jupiter.api.Test;

class CoreLayersTest {
    @Test
    void dense() {
        LayerHarness.check(() -> new Dense(4, "relu"), new int[]{3, 5}, 5 * 4 + 4);
        LayerHarness.check(() -> new Dense(2).useBias(false), new int[]{2, 3, 5}, 10);
    }

    @Test
    void activationDropoutFlatten() {
        LayerHarness.check(() -> new Activation("tanh"), new int[]{2, 3}, 0);
        LayerHarness.check(() -> new Dropout(0.3f), new int[]{4, 6}, 0);
        LayerHarness.check(Flatten::new, new int[]{2, 3, 4}, 0);
    }
}
