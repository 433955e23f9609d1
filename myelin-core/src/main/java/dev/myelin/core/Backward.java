package dev.myelin.core;

/**
 * The backward rule of one op: given the gradient of the loss with respect to the op's output,
 * returns the gradients with respect to each input (null where an input needs none). It runs in
 * no-grad mode, so it may use ordinary tensor ops.
 */
@FunctionalInterface
public interface Backward {
    Tensor[] apply(Tensor gradOutput);
}
