package dev.myelin.nn;

import dev.myelin.core.GradCheck;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.layers.Add;
import dev.myelin.nn.layers.AveragePooling2D;
import dev.myelin.nn.layers.Bidirectional;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.GRU;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.LSTM;
import dev.myelin.nn.layers.LayerNormalization;
import dev.myelin.nn.layers.MultiHeadAttention;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * STYLE habit 5 for whole models: the gradient of every weight of a small model, from autograd
 * through all its layers, against central finite differences of the model run on fixed data.
 * GradCheck perturbs the weights' own tensors in place, so the checked function only runs the
 * model; each weight is checked element by element.
 */
class ModelGradCheckTest {

    // float32 forward passes: eps 1e-2, and tolerances tight enough that a 1% error in a term shows
    private static final double EPS = 1e-2, RTOL = 5e-3, ATOL = 5e-4;

    private static Tensor[] weightsOf(Model model) {
        List<Parameter> ps = model.trainableWeights();
        assertFalse(ps.isEmpty());
        Tensor[] ts = new Tensor[ps.size()];
        for (int i = 0; i < ts.length; i++) ts[i] = ps.get(i).value();
        return ts;
    }

    private static void check(Model model, Function<Tensor[], Tensor> f) {
        Tensor[] ws = weightsOf(model);
        GradCheck.Result r = GradCheck.check(f, EPS, RTOL, ATOL, ws);
        assertTrue(r.maxError() < 1e-2, "worst gradient error " + r);
    }

    @Test
    void mlpWithCrossEntropyLoss() {
        Sequential model = new Sequential(new InputLayer(4), new Dense(6, "tanh"), new Dense(5, "sigmoid"), new Dense(3));
        model.seed(1);
        Rng rng = new Rng(2);
        Tensor x = Tensor.randn(rng, 5, 4);
        Tensor labels = Tensor.of(new float[]{0, 2, 1, 1, 0}, 5);
        SparseCategoricalCrossentropy loss = new SparseCategoricalCrossentropy(true);
        check(model, ws -> loss.compute(labels, model.forward(x)));
    }

    @Test
    void smallCnn() {
        // Average, not max, pooling: a kernel change moves every window, so some max switches inside
        // +-eps and the finite difference straddles a kink (max pooling's gradient is checked in PoolTest).
        Sequential model = new Sequential(new InputLayer(6, 6, 2), new Conv2D(3, 3, "tanh"), new AveragePooling2D(2),
                new Conv2D(2, 2, "sigmoid"), new Flatten(), new Dense(2));
        model.seed(3);
        Tensor x = Tensor.randn(new Rng(4), 2, 6, 6, 2);
        check(model, ws -> model.forward(x));
    }

    @Test
    void stackedLstm() {
        // the second LSTM's gradient reaches the first through its input projection
        Sequential model = new Sequential(new InputLayer(5, 3), new LSTM(4).returnSequences(true), new LSTM(3).goBackwards(true), new Dense(2));
        model.seed(5);
        Tensor x = Tensor.randn(new Rng(6), 2, 5, 3);
        Tensor target = Tensor.randn(new Rng(7), 2, 2);
        MeanSquaredError mse = new MeanSquaredError();
        check(model, ws -> mse.compute(target, model.forward(x)));
    }

    @Test
    void embeddingLstmWithPaddingMask() {
        // Embedding(mask_zero) gives the LSTM a mask: padded steps must not move the weights' gradients
        Sequential model = new Sequential(new InputLayer(6), new Embedding(7, 3).maskZero(true), new LSTM(4), new Dense(2));
        model.seed(8);
        Tensor ids = Tensor.of(new float[]{3, 1, 4, 1, 0, 0, /**/ 5, 2, 6, 0, 0, 0}, 2, 6);
        check(model, ws -> model.forward(ids));
    }

    @Test
    void gruModels() {
        Sequential model = new Sequential(new InputLayer(5, 3), new Bidirectional(new GRU(3).returnSequences(true)),
                new GRU(3).resetAfter(false), new Dense(2));
        model.seed(9);
        Tensor x = Tensor.randn(new Rng(10), 2, 5, 3);
        check(model, ws -> model.forward(x));
    }

    @Test
    void attentionBlock() {
        // x -> causal self-attention -> residual -> layer norm -> dense
        SymbolicTensor in = Input.of(4, 6);
        SymbolicTensor a = new MultiHeadAttention(2, 3).useCausalMask(true).apply(in, in);
        SymbolicTensor h = new LayerNormalization().apply(new Add().apply(in, a));
        Model model = Model.of(in, new Dense(2, "tanh").apply(h));
        model.seed(11);
        Tensor x = Tensor.randn(new Rng(12), 2, 4, 6);
        check(model, ws -> model.forward(x));
    }
}
