package dev.myelin.nn;

import dev.myelin.nn.layers.InputLayer;

/** Starts a functional model: {@code SymbolicTensor x = Input.of(28, 28, 1);} (no batch axis; -1 for a variable size). */
public final class Input {
    private Input() {}

    public static SymbolicTensor of(int... shape) {
        InputLayer layer = new InputLayer(shape);
        return layer.applyAll(new SymbolicTensor[0]).get(0);
    }

    public static SymbolicTensor of(String name, int... shape) {
        InputLayer layer = new InputLayer(shape);
        layer.name(name);
        return layer.applyAll(new SymbolicTensor[0]).get(0);
    }
}
