package dev.myelin.bench;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Batch;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.LSTM;
import dev.myelin.nn.layers.MaxPooling2D;
import dev.myelin.nn.optimizers.Adam;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The three models that {@code bench/run train} trains (and {@code infer} runs, the MLP) on
 * Myelin and on its peers, with the batch size of each and synthetic data from a fixed seed.
 * Myelin's model is the reference: peers copy its initial weights, so both sides start from the
 * same point and their first losses agree.
 */
enum Workload {
    /** 784-256-256-10, ReLU, softmax; batch 128. */
    MLP("mlp", 128, 784),
    /** conv 32 3x3 relu, maxpool 2, conv 64 3x3 relu, maxpool 2, dense 128 relu, dense 10; batch 64. */
    CNN("cnn", 64, 28, 28, 1),
    /** LSTM(128) over 50 steps of 32 features, last step into dense 10; batch 64. */
    LSTM("lstm", 64, 50, 32);

    static final int CLASSES = 10;
    static final float LEARNING_RATE = 1e-3f;
    /** Keras's Adam epsilon, which Myelin uses; peers are given the same. */
    static final float ADAM_EPSILON = 1e-7f;

    final String caseName;
    final int batch;
    /** One sample's shape, no batch axis, in Myelin's (channels-last) layout. */
    final int[] sample;

    Workload(String caseName, int batch, int... sample) {
        this.caseName = caseName;
        this.batch = batch;
        this.sample = sample;
    }

    int sampleSize() {
        int n = 1;
        for (int d : sample) n *= d;
        return n;
    }

    int[] batchShape(int rows) {
        int[] s = new int[sample.length + 1];
        s[0] = rows;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
    }

    /** The Myelin model, built (weights from Myelin's default seed), its output a softmax. */
    Sequential myelinModel() {
        return switch (this) {
            case MLP -> new Sequential(new InputLayer(784),
                    new Dense(256, "relu"), new Dense(256, "relu"), new Dense(CLASSES, "softmax"));
            case CNN -> new Sequential(new InputLayer(28, 28, 1),
                    new Conv2D(32, 3, "relu"), new MaxPooling2D(2),
                    new Conv2D(64, 3, "relu"), new MaxPooling2D(2),
                    new Flatten(), new Dense(128, "relu"), new Dense(CLASSES, "softmax"));
            case LSTM -> new Sequential(new InputLayer(50, 32), new LSTM(128), new Dense(CLASSES, "softmax"));
        };
    }

    /** The Myelin model compiled as the issue asks: Adam(1e-3), sparse categorical cross-entropy. */
    Sequential compiledMyelinModel() {
        Sequential m = myelinModel();
        m.compile(new Adam(LEARNING_RATE), "sparse_categorical_crossentropy");
        return m;
    }

    /**
     * {@code batches} batches of {@link #batch} samples, x ~ N(0, 1), labels the arg-max of a
     * fixed random linear "teacher" of x, so that there is something to learn and the loss falls.
     */
    Data data(int batches, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int d = sampleSize();
        float[] teacher = new float[d * CLASSES];
        for (int i = 0; i < teacher.length; i++) teacher[i] = (float) gaussian(rnd);
        float[][] xs = new float[batches][];
        int[][] ys = new int[batches][];
        for (int b = 0; b < batches; b++) {
            float[] x = new float[batch * d];
            int[] y = new int[batch];
            for (int i = 0; i < x.length; i++) x[i] = (float) gaussian(rnd);
            for (int r = 0; r < batch; r++) {
                int best = 0;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < CLASSES; c++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) s += x[r * d + j] * teacher[j * CLASSES + c];
                    if (s > bestScore) {
                        bestScore = s;
                        best = c;
                    }
                }
                y[r] = best;
            }
            xs[b] = x;
            ys[b] = y;
        }
        return new Data(this, xs, ys);
    }

    /** {@code rows} samples with x ~ N(0, 1), row-major (rows, sample...), for inference. */
    float[] inputs(int rows, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[rows * sampleSize()];
        for (int i = 0; i < x.length; i++) x[i] = (float) gaussian(rnd);
        return x;
    }

    static double gaussian(SplittableRandom rnd) {
        // Box-Muller; SplittableRandom has no nextGaussian
        double u = 1 - rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** Pre-built synthetic batches: x[b] is (batch, sample...) row-major, y[b] the class ids. */
    record Data(Workload workload, float[][] x, int[][] y) {
        int batches() {
            return x.length;
        }

        /** The same batches as Myelin tensors, made once so that no step allocates its data. */
        List<Batch> myelinBatches() {
            List<Batch> out = new ArrayList<>();
            for (int b = 0; b < x.length; b++) {
                out.add(new Batch(Tensor.wrap(x[b], workload.batchShape(workload.batch)), Tensor.ofInts(y[b], workload.batch)));
            }
            return out;
        }
    }
}
