package dev.myelin.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.LSTM;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The PyTorch side of {@code bench/run train} and {@code infer}, through DJL's PyTorch engine:
 * the same models as {@link Workload} built from DJL blocks (which call libtorch's ops: linear,
 * conv2d, max_pool2d, lstm), Myelin's initial weights copied in, DJL's {@link Trainer} with its
 * Adam (libtorch's fused adam update) and softmax cross-entropy on logits, as a PyTorch user
 * would write {@code CrossEntropyLoss()(model(x), y)}. Data are NDArrays made once and reused.
 *
 * <p>DJL runs offline: the native libraries come from the pytorch-native-cpu jar on the class
 * path and are unpacked into {@code djl-cache} beside this module's jar (the build folder) unless
 * {@code DJL_CACHE_DIR} is set as an environment variable or system property.
 */
final class TorchModels {
    private TorchModels() {}

    private static Engine engine;

    /** Loads libtorch (offline), once; returns a line that says which and with how many threads. */
    static synchronized String load() {
        if (engine == null) {
            System.setProperty("ai.djl.offline", "true");
            if (SideBySide.THREADS != null) System.setProperty("ai.djl.pytorch.num_threads", SideBySide.THREADS.toString());
            if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
                System.setProperty("DJL_CACHE_DIR", buildFolder().resolve("djl-cache").toString());
            }
            engine = Engine.getEngine("PyTorch");
        }
        return "pytorch " + engine.getVersion() + " (DJL " + Engine.getDjlVersion() + ", offline), intra-op threads "
                + JniUtils.getNumThreads() + ", inter-op threads " + JniUtils.getNumInteropThreads();
    }

    /** The folder holding this module's jar (or classes folder): myelin-bench/target. */
    static Path buildFolder() {
        try {
            Path p = Path.of(TorchModels.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return p.getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of(System.getProperty("java.io.tmpdir"));
        }
    }

    // ------------------------------------------------------------------ models

    /** The DJL block of a workload: logits out, or probabilities with {@code softmax}. */
    static SequentialBlock block(Workload w, boolean softmax) {
        SequentialBlock b = new SequentialBlock();
        switch (w) {
            case MLP -> b.add(Linear.builder().setUnits(256).build()).add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(256).build()).add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(Workload.CLASSES).build());
            case CNN -> b.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(32).build()).add(Activation.reluBlock())
                    .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(64).build()).add(Activation.reluBlock())
                    .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(128).build()).add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(Workload.CLASSES).build());
            case LSTM -> {
                NDIndex last = new NDIndex(":, -1, :"); // (batch, time, units) -> (batch, units), out[:, -1, :]
                b.add(ai.djl.nn.recurrent.LSTM.builder().setStateSize(128).setNumLayers(1)
                                .optBatchFirst(true).optReturnState(false).build())
                        .add(new LambdaBlock(l -> new NDList(l.head().get(last))))
                        .add(Linear.builder().setUnits(Workload.CLASSES).build());
            }
        }
        if (softmax) b.add(new LambdaBlock(l -> new NDList(l.head().softmax(-1))));
        return b;
    }

    /** The input shape DJL's blocks take: channels first for the CNN (the same bytes, as there is one channel). */
    static Shape inputShape(Workload w, int rows) {
        return switch (w) {
            case MLP -> new Shape(rows, 784);
            case CNN -> new Shape(rows, 1, 28, 28);
            case LSTM -> new Shape(rows, 50, 32);
        };
    }

    /**
     * Copies Myelin's weights into an initialized DJL block of the same architecture, converting
     * layouts: Dense kernel (in, out) to Linear (out, in); Conv2D (kh, kw, cin, cout) to Conv2d
     * (cout, cin, kh, kw); the Dense after a Flatten of (h, w, c) reorders its rows to (c, h, w);
     * LSTM kernel (in, 4u) and recurrent kernel (u, 4u) to (4u, in), (4u, u), gates in the same
     * order (i, f, c/g, o), Myelin's one bias to i2h with h2h zero.
     */
    static void copyWeights(Sequential from, SequentialBlock to) {
        List<Layer> layers = new ArrayList<>();
        int[] flattenedFrom = null; // the (h, w, c) that the next Dense sees flattened
        List<int[]> denseInput = new ArrayList<>();
        int[] shape = from.inputShapes().get(0);
        for (Layer l : from.layers()) {
            if (l instanceof Flatten) flattenedFrom = shape;
            if (l instanceof Dense || l instanceof Conv2D || l instanceof LSTM) {
                layers.add(l);
                denseInput.add(l instanceof Dense ? flattenedFrom : null);
                if (l instanceof Dense) flattenedFrom = null;
            }
            shape = l.computeOutputShape(shape);
        }
        List<Block> blocks = new ArrayList<>();
        for (Pair<String, Block> child : to.getChildren()) {
            if (!child.getValue().getParameters().isEmpty()) blocks.add(child.getValue());
        }
        if (blocks.size() != layers.size()) {
            throw new IllegalStateException("Myelin model has " + layers.size() + " weighted layers, the DJL block " + blocks.size());
        }
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            Block b = blocks.get(i);
            switch (l) {
                case Dense d -> {
                    int in = d.kernel().shape()[0], out = d.units();
                    float[] k = d.kernel().value().toFloatArray();
                    int[] hwc = denseInput.get(i);
                    float[] wt = hwc == null || hwc[2] == 1 ? transpose(k, in, out) : flattenedDense(k, hwc, out);
                    set(param(b, "weight"), wt);
                    set(param(b, "bias"), d.bias().value().toFloatArray());
                }
                case Conv2D c -> {
                    int[] ks = c.kernel().shape(); // (kh, kw, cin, cout)
                    set(param(b, "weight"), convToTorch(c.kernel().value().toFloatArray(), ks[0], ks[1], ks[2], ks[3]));
                    set(param(b, "bias"), c.bias().value().toFloatArray());
                }
                case LSTM r -> {
                    int[] ks = r.kernel().shape(); // (in, 4u)
                    int units = r.units();
                    set(param(b, "i2h_weight"), transpose(r.kernel().value().toFloatArray(), ks[0], 4 * units));
                    set(param(b, "h2h_weight"), transpose(r.recurrentKernel().value().toFloatArray(), units, 4 * units));
                    set(param(b, "i2h_bias"), r.bias().value().toFloatArray());
                    set(param(b, "h2h_bias"), new float[4 * units]);
                }
                default -> throw new IllegalStateException("no DJL counterpart for " + l.describe());
            }
        }
    }

    private static NDArray param(Block b, String suffix) {
        for (Pair<String, Parameter> p : b.getParameters()) {
            // DJL names them "01Linear_weight", "l_0_i2h_WEIGHT"
            if (p.getKey().toLowerCase(Locale.ROOT).endsWith(suffix)) return p.getValue().getArray();
        }
        throw new IllegalStateException("no parameter '*" + suffix + "' in " + b + ": " + b.getParameters().keys());
    }

    private static void set(NDArray target, float[] values) {
        if (target.size() != values.length) {
            throw new IllegalStateException("parameter of shape " + target.getShape() + " given " + values.length + " values");
        }
        target.set(FloatBuffer.wrap(values));
    }

    /** (rows, cols) row-major to (cols, rows). */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    /** (kh, kw, cin, cout) to (cout, cin, kh, kw). */
    static float[] convToTorch(float[] k, int kh, int kw, int cin, int cout) {
        float[] t = new float[k.length];
        for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
                for (int i = 0; i < cin; i++)
                    for (int o = 0; o < cout; o++) t[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o];
        return t;
    }

    /** A Dense kernel (h*w*c, out) over a channels-last flatten, as (out, c*h*w) over a channels-first one. */
    static float[] flattenedDense(float[] k, int[] hwc, int out) {
        int h = hwc[0], w = hwc[1], c = hwc[2];
        float[] t = new float[k.length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int ch = 0; ch < c; ch++)
                    for (int o = 0; o < out; o++) t[o * (c * h * w) + (ch * h + y) * w + x] = k[((y * w + x) * c + ch) * out + o];
        return t;
    }

    // ------------------------------------------------------------------ training

    /**
     * A DJL model and trainer for one workload, its batches made once as NDArrays. One
     * {@link #step} is what DJL's EasyTrain.trainBatch does: forward under a gradient collector,
     * loss, backward, {@code trainer.step()}; the step's intermediate arrays live in a
     * sub-manager closed at its end.
     */
    static final class Training implements AutoCloseable {
        private final Model model;
        private final Trainer trainer;
        private final NDManager manager;
        private final List<NDArray> xs = new ArrayList<>(), ys = new ArrayList<>();

        Training(Workload.Data data, Sequential initialWeights) {
            load();
            Workload w = data.workload();
            SequentialBlock block = block(w, false);
            model = Model.newInstance("bench-" + w.caseName, Device.cpu(), "PyTorch");
            model.setBlock(block);
            Adam adam = Adam.builder().optLearningRateTracker(Tracker.fixed(Workload.LEARNING_RATE))
                    .optBeta1(0.9f).optBeta2(0.999f).optEpsilon(Workload.ADAM_EPSILON).build();
            trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(adam)
                    .optDevices(new Device[]{Device.cpu()}));
            trainer.initialize(inputShape(w, w.batch));
            copyWeights(initialWeights, block);
            manager = trainer.getManager();
            for (int b = 0; b < data.batches(); b++) {
                xs.add(manager.create(data.x()[b], inputShape(w, w.batch)));
                float[] labels = new float[w.batch];
                for (int i = 0; i < labels.length; i++) labels[i] = data.y()[b][i];
                ys.add(manager.create(labels));
            }
        }

        /** One training step on pre-built batch {@code b}; returns its loss. */
        float step(int b) {
            NDArray x = xs.get(b), y = ys.get(b);
            try (NDManager stepManager = manager.newSubManager()) {
                x.tempAttach(stepManager);
                y.tempAttach(stepManager);
                float loss;
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDList preds = trainer.forward(new NDList(x));
                    NDArray l = trainer.getLoss().evaluate(new NDList(y), preds);
                    gc.backward(l);
                    loss = l.getFloat();
                }
                trainer.step();
                return loss;
            }
        }

        @Override
        public void close() {
            trainer.close();
            model.close();
        }
    }

    // ------------------------------------------------------------------ inference

    /**
     * The MLP with softmax output, for inference: forward with training off (DJL keeps libtorch's
     * grad mode off outside a gradient collector) on one reused input NDArray; each call's
     * intermediates live in a sub-manager closed after the output is copied out, as DJL's
     * Predictor does per call.
     */
    static final class Inference implements AutoCloseable {
        private final NDManager manager;
        private final SequentialBlock block;
        private final ParameterStore store;
        private final NDArray x;

        Inference(Workload w, Sequential initialWeights, float[] input, int rows) {
            load();
            manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
            block = block(w, true);
            block.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, inputShape(w, rows));
            copyWeights(initialWeights, block);
            store = new ParameterStore(manager, false);
            x = manager.create(input, inputShape(w, rows));
        }

        /** Forward on the reused input; the output copied into a Java array. */
        float[] run() {
            try (NDManager callManager = manager.newSubManager()) {
                x.tempAttach(callManager);
                NDList out = block.forward(store, new NDList(x), false);
                return out.head().toFloatArray();
            }
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
