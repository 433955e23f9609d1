package dev.myelin.nn;

import dev.myelin.core.Tensor;

import java.util.Locale;
import java.util.function.UnaryOperator;

/** Activation functions by their Keras names, for {@code Dense(64, "relu")} and friends. */
public final class Activations {
    private Activations() {}

    public static final String NAMES = "linear, relu, sigmoid, tanh, softmax, log_softmax, gelu, gelu_tanh, silu (swish), elu, selu, leaky_relu, softplus, hard_sigmoid, exponential";

    /** The function for a name; null or "linear" is the identity. Softmax applies to the last axis. */
    public static UnaryOperator<Tensor> get(String name) {
        if (name == null) return x -> x;
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "linear", "identity", "none" -> x -> x;
            case "relu" -> Tensor::relu;
            case "sigmoid" -> Tensor::sigmoid;
            case "tanh" -> Tensor::tanh;
            case "softmax" -> x -> x.softmax(-1);
            case "log_softmax" -> x -> x.logSoftmax(-1);
            case "gelu" -> Tensor::gelu;
            case "gelu_tanh", "gelu_approximate" -> Tensor::geluTanh;
            case "silu", "swish" -> Tensor::silu;
            case "elu" -> x -> x.elu(1f);
            // selu: scale * elu(x, alpha) with the self-normalising constants
            case "selu" -> x -> x.elu(1.6732632423543772f).mul(1.0507009873554805f);
            case "leaky_relu" -> x -> x.leakyRelu(0.2f);
            case "softplus" -> Tensor::softplus;
            case "hard_sigmoid" -> Tensor::hardSigmoid;
            case "exponential" -> Tensor::exp;
            default -> throw new IllegalArgumentException("unknown activation '" + name + "': expected one of " + NAMES);
        };
    }

    /** Checks the name now, so a bad name fails when the layer is made rather than when it runs. */
    public static String checkName(String name) {
        get(name);
        return name == null ? "linear" : name;
    }
}
