package dev.myelin.nn;

import dev.myelin.core.GradMode;
import dev.myelin.core.Rng;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.Callback;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.callbacks.ProgressLogger;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.losses.Losses;
import dev.myelin.nn.metrics.Metrics;
import dev.myelin.nn.metrics.Mean;
import dev.myelin.nn.metrics.Metric;
import dev.myelin.nn.optimizers.Optimizer;

import dev.myelin.nn.io.ModelFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trainable stack or graph of layers, as Keras's {@code Model}: {@link #compile} it with an
 * optimizer, a loss and metrics, then {@link #fit}, {@link #evaluate} and {@link #predict}. A
 * model is a layer too, so models nest. Subclass it (override {@link #call(List, Context)} and
 * {@link #track} the layers you create) for a custom model, or override {@link #trainStep} for a
 * custom training step.
 *
 * <pre>{@code
 * Model model = new Sequential(new InputLayer(784), new Dense(128, "relu"), new Dense(10, "softmax"));
 * model.compile(new Adam(1e-3f), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
 * History h = model.fit(x, y, new FitOptions().epochs(5).batchSize(128).validationSplit(0.1f));
 * Tensor probs = model.predict(xTest);
 * }</pre>
 */
public abstract class Model extends Layer {
    private Optimizer optimizer;
    private List<Loss> losses = List.of();
    private List<Metric> metrics = List.of();
    private boolean stopTraining;
    private int epochsTrained;
    private long modelSeed = 42;
    private Rng trainRng = new Rng(42);

    // ------------------------------------------------------------------ structure

    /** Input shapes without the batch axis, or null where not yet known. */
    public abstract List<int[]> inputShapes();

    /** Output shapes without the batch axis (known once the model is built). */
    public List<int[]> outputShapes() {
        return computeOutputShapes(inputShapes());
    }

    /** The model's layers, in order: those registered with {@link #track}. */
    public List<Layer> layers() {
        return sublayers();
    }

    /** A functional model from one input to one output. */
    public static Model of(SymbolicTensor input, SymbolicTensor output) {
        return new Functional(List.of(input), List.of(output));
    }

    /** A functional model over a graph with several inputs and outputs. */
    public static Model of(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
        return new Functional(inputs, outputs);
    }

    /** The layer with this name. */
    public Layer layer(String layerName) {
        for (Layer l : layers()) if (layerName.equals(l.name())) return l;
        List<String> names = new ArrayList<>();
        for (Layer l : layers()) names.add(l.name());
        throw new IllegalArgumentException("no layer named '" + layerName + "'; layers: " + names);
    }

    /** Gives every unnamed layer a unique Keras-style name ("dense", "dense_1") and a seed derived from the model's. */
    protected void nameAndSeed(List<Layer> ls) {
        Map<String, Integer> used = new LinkedHashMap<>();
        for (Layer l : ls) if (l.name() != null) used.merge(l.name(), 1, Integer::sum);
        for (var e : used.entrySet()) {
            if (e.getValue() > 1) throw new IllegalArgumentException("two layers are named '" + e.getKey() + "'; layer names must be unique in a model");
        }
        int index = 0;
        for (Layer l : ls) {
            if (l.name() == null) {
                String base = l.defaultName(), n = base;
                for (int k = 1; used.containsKey(n); k++) n = base + "_" + k;
                used.put(n, 1);
                l.name(n);
            }
            if (!l.isBuilt()) l.seed(modelSeed * 1_000_003L + index);
            index++;
        }
    }

    /** The seed for weight initialisation of layers not yet built, shuffling and dropout. Returns this. */
    public Model seed(long value) {
        this.modelSeed = value;
        this.trainRng = new Rng(value);
        nameAndSeed(layers());
        return this;
    }

    /** The generator for shuffling and dropout (its state goes into checkpoints). */
    public Rng trainingRng() {
        return trainRng;
    }

    // ------------------------------------------------------------------ compile

    /** Sets the optimizer, one loss (applied to every output) and metrics (on the first output). Returns this. */
    public Model compile(Optimizer opt, Loss loss, Metric... ms) {
        return compile(opt, List.of(loss), List.of(ms));
    }

    /**
     * Keras-style names: {@code compile(new Adam(), "sparse_categorical_crossentropy", "accuracy")};
     * "accuracy" picks the variant that fits the loss.
     */
    public Model compile(Optimizer opt, String loss, String... metricNames) {
        return compile(opt, Losses.get(loss), List.of(metricNames));
    }

    /** A loss object with metrics by name. Returns this. */
    public Model compile(Optimizer opt, Loss loss, String metricName, String... moreMetricNames) {
        List<String> names = new ArrayList<>(List.of(metricName));
        names.addAll(List.of(moreMetricNames));
        return compile(opt, loss, names);
    }

    private Model compile(Optimizer opt, Loss loss, List<String> metricNames) {
        List<Metric> ms = new ArrayList<>();
        for (String m : metricNames) ms.add(Metrics.get(m, loss));
        return compile(opt, List.of(loss), ms);
    }

    /** Sets the optimizer, one loss per output (or one for all), and metrics on the first output. Returns this. */
    public Model compile(Optimizer opt, List<Loss> lossList, List<Metric> metricList) {
        if (opt == null) throw new IllegalArgumentException("compile: optimizer must not be null");
        if (lossList.isEmpty()) throw new IllegalArgumentException("compile: give at least one loss");
        this.optimizer = opt;
        this.losses = List.copyOf(lossList);
        this.metrics = List.copyOf(metricList);
        return this;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public List<Loss> losses() {
        return losses;
    }

    public List<Metric> metrics() {
        return metrics;
    }

    private void requireCompiled(String what) {
        if (optimizer == null) throw new IllegalStateException(what + ": call compile(optimizer, loss, metrics...) first");
    }

    /** Asks fit to stop after the current epoch (EarlyStopping uses it). */
    public void stopTraining(boolean value) {
        this.stopTraining = value;
    }

    public boolean stopTraining() {
        return stopTraining;
    }

    // ------------------------------------------------------------------ forward

    /** Runs the model on a batch of one input, in inference mode. */
    public Tensor forward(Tensor x) {
        return applyAll(List.of(x), Context.inference()).get(0);
    }

    // ------------------------------------------------------------------ training

    public History fit(Tensor x, Tensor y, FitOptions options) {
        return fit(List.of(x), List.of(y), options);
    }

    /** Trains on in-memory arrays (axis 0 is the sample axis). */
    public History fit(List<Tensor> x, List<Tensor> y, FitOptions o) {
        int n = x.get(0).size(0);
        List<Tensor> trainX = x, trainY = y;
        Tensor sw = o.sampleWeights;
        List<Tensor> valX = o.validationX, valY = o.validationY;
        if (o.validationSplit > 0) {
            int nVal = (int) (n * o.validationSplit);
            if (nVal == 0 || nVal == n) {
                throw new IllegalArgumentException("validation split " + o.validationSplit + " of " + n + " samples leaves an empty part");
            }
            int cut = n - nVal;
            trainX = slices(x, 0, cut);
            trainY = slices(y, 0, cut);
            valX = slices(x, cut, n);
            valY = slices(y, cut, n);
            if (sw != null) sw = sw.slice(0, 0, cut);
        }
        if (o.classWeights != null) sw = classSampleWeights(trainY.get(0), o.classWeights, sw);
        BatchSource train = new ArrayBatches(trainX, trainY, sw, o.batchSize, o.shuffle ? trainRng : null);
        BatchSource val = o.validationSource != null ? o.validationSource
                : valX == null ? null : new ArrayBatches(valX, valY, null, o.batchSize, null);
        return fit(train, val, o);
    }

    private static List<Tensor> slices(List<Tensor> ts, int from, int to) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : ts) out.add(t.slice(0, from, to));
        return out;
    }

    /** Per-sample weights from class weights: labels are class ids, or one-hot rows (arg-max). */
    static Tensor classSampleWeights(Tensor y, Map<Integer, Float> classWeights, Tensor sampleWeights) {
        float[] ids;
        if (y.rank() >= 2 && y.size(-1) > 1) ids = toFloats(y.toFloat().argmax(-1, false));
        else ids = y.toFloatArray();
        float[] w = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            Float cw = classWeights.get((int) ids[i]);
            w[i] = cw == null ? 1f : cw;
        }
        Tensor t = Tensor.wrap(w, ids.length);
        return sampleWeights == null ? t : t.mul(sampleWeights);
    }

    private static float[] toFloats(Tensor t) {
        return t.toFloatArray();
    }

    /** Trains on batches from a source, validating on {@code validation} (may be null) after each epoch. */
    public History fit(BatchSource train, BatchSource validation, FitOptions o) {
        requireCompiled("fit");
        History history = new History();
        List<Callback> cbs = new ArrayList<>();
        cbs.add(history);
        if (o.verbose > 0) cbs.add(new ProgressLogger(o.epochs, train.batchesPerEpoch(), System.out, o.verbose == 1 && ProgressLogger.terminalAttached()));
        cbs.addAll(o.callbacks);
        for (Callback c : cbs) c.setModel(this);
        stopTraining = false;
        for (Callback c : cbs) c.onTrainBegin();
        Map<String, Double> logs = new LinkedHashMap<>();
        try {
            for (int epoch = o.initialEpoch; epoch < o.epochs && !stopTraining; epoch++) {
                for (Callback c : cbs) c.onEpochBegin(epoch);
                Mean lossMean = new Mean("loss");
                List<Metric> ms = freshMetrics();
                Iterator<Batch> it = train.epoch(epoch);
                try {
                    for (int b = 0; it.hasNext() && !stopTraining; b++) {
                        Batch batch = it.next();
                        for (Callback c : cbs) c.onBatchBegin(b);
                        Map<String, Double> stepLogs = trainStep(batch, ms);
                        lossMean.add(stepLogs.get("loss"), batch.size());
                        Map<String, Double> batchLogs = new LinkedHashMap<>(stepLogs);
                        for (Metric m : ms) batchLogs.put(m.name(), m.result());
                        for (Callback c : cbs) c.onBatchEnd(b, batchLogs);
                    }
                } finally {
                    closeIfCloseable(it);
                }
                logs = new LinkedHashMap<>();
                logs.put("loss", lossMean.result());
                for (Metric m : ms) logs.put(m.name(), m.result());
                if (validation != null) {
                    Map<String, Double> v = evaluate(validation);
                    for (var e : v.entrySet()) logs.put("val_" + e.getKey(), e.getValue());
                }
                logs.put("learning_rate", (double) optimizer.currentLearningRate());
                for (Callback c : cbs) c.onEpochEnd(epoch, logs);
                epochsTrained = epoch + 1;
            }
        } finally {
            for (Callback c : cbs) c.onTrainEnd(logs);
        }
        return history;
    }

    /** Ends an abandoned epoch's iterator at once (a prefetching source's background thread). */
    private static void closeIfCloseable(Iterator<Batch> it) {
        if (it instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the batch iterator failed: " + e.getMessage(), e);
            }
        }
    }

    private List<Metric> freshMetrics() {
        List<Metric> ms = new ArrayList<>();
        for (Metric m : metrics) ms.add(m.copy());
        return ms;
    }

    /**
     * One training step: forward in training mode, loss plus regularization, backward, optimizer
     * update; updates {@code metrics} and returns {"loss": batch loss}. Override for a custom step.
     */
    public Map<String, Double> trainStep(Batch batch, List<Metric> stepMetrics) {
        Context ctx = Context.training(trainRng);
        List<Parameter> params = trainableWeights();
        for (Parameter p : params) p.value().zeroGrad();
        List<Tensor> preds = applyAll(batch.x(), ctx);
        Tensor loss = totalLoss(batch, preds);
        Tensor objective = loss;
        for (Parameter p : params) if (p.regularizer() != null) objective = objective.add(p.regularizer().penalty(p.value()));
        for (Tensor extra : ctx.losses()) objective = objective.add(extra);
        objective.backward();
        optimizer.step(params);
        try (var ignored = GradMode.noGrad()) {
            for (Metric m : stepMetrics) m.update(batch.y().get(0), preds.get(0).detach(), batch.sampleWeight());
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", (double) objective.item());
        return out;
    }

    /** The compiled loss over all outputs for this batch's predictions. */
    protected Tensor totalLoss(Batch batch, List<Tensor> preds) {
        if (batch.y().size() != preds.size()) {
            throw new IllegalArgumentException("the model has " + preds.size() + " output(s) but the data gives " + batch.y().size() + " target array(s)");
        }
        if (losses.size() != 1 && losses.size() != preds.size()) {
            throw new IllegalStateException("compiled with " + losses.size() + " losses for " + preds.size() + " outputs");
        }
        Tensor total = null;
        for (int i = 0; i < preds.size(); i++) {
            Loss l = losses.size() == 1 ? losses.get(0) : losses.get(i);
            Tensor li = l.compute(batch.y().get(i), preds.get(i), batch.sampleWeight());
            total = total == null ? li : total.add(li);
        }
        return total;
    }

    /** Loss and metrics on arrays, in inference mode, batch by batch. */
    public Map<String, Double> evaluate(Tensor x, Tensor y, int batchSize) {
        return evaluate(new ArrayBatches(List.of(x), List.of(y), null, batchSize, null));
    }

    /** Loss and metrics over all batches of a source (epoch 0), in inference mode. */
    public Map<String, Double> evaluate(BatchSource data) {
        requireCompiled("evaluate");
        Mean lossMean = new Mean("loss");
        List<Metric> ms = freshMetrics();
        try (var ignored = GradMode.noGrad()) {
            Iterator<Batch> it = data.epoch(0);
            try {
                while (it.hasNext()) {
                    Batch batch = it.next();
                    List<Tensor> preds = applyAll(batch.x(), Context.inference());
                    lossMean.add(totalLoss(batch, preds).item(), batch.size());
                    for (Metric m : ms) m.update(batch.y().get(0), preds.get(0), batch.sampleWeight());
                }
            } finally {
                closeIfCloseable(it);
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", lossMean.result());
        for (Metric m : ms) out.put(m.name(), m.result());
        return out;
    }

    /** Predictions for all samples of a one-input, one-output model, in batches of 32. */
    public Tensor predict(Tensor x) {
        return predict(x, 32);
    }

    public Tensor predict(Tensor x, int batchSize) {
        return predictAll(List.of(x), batchSize).get(0);
    }

    /** Predictions of every output, batch by batch, without autograd; rows are in input order. */
    public List<Tensor> predictAll(List<Tensor> x, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        int n = x.get(0).size(0);
        List<List<float[]>> parts = new ArrayList<>();
        List<int[]> shapes = null;
        try (var ignored = GradMode.noGrad()) {
            for (int start = 0; start < n; start += batchSize) {
                int end = Math.min(n, start + batchSize);
                List<Tensor> bx = new ArrayList<>();
                for (Tensor t : x) bx.add(t.slice(0, start, end));
                List<Tensor> out = applyAll(bx, Context.inference());
                if (shapes == null) {
                    shapes = new ArrayList<>();
                    for (Tensor t : out) {
                        shapes.add(t.shape());
                        parts.add(new ArrayList<>());
                    }
                }
                for (int i = 0; i < out.size(); i++) parts.get(i).add(out.get(i).toFloatArray());
            }
        }
        List<Tensor> result = new ArrayList<>();
        if (shapes == null) return result;
        for (int i = 0; i < shapes.size(); i++) {
            int[] s = shapes.get(i).clone();
            s[0] = n;
            float[] all = new float[Shape.numel(s)];
            int pos = 0;
            for (float[] p : parts.get(i)) {
                System.arraycopy(p, 0, all, pos, p.length);
                pos += p.length;
            }
            result.add(Tensor.wrap(all, s));
        }
        return result;
    }

    // ------------------------------------------------------------------ files

    /** Saves the architecture, weights and metadata to one file, atomically (see {@link ModelFile}). */
    public void save(Path path) throws IOException {
        ModelFile.save(this, path);
    }

    /** Loads a model saved by {@link #save}; compile it again before training. */
    public static Model load(Path path) throws IOException {
        return ModelFile.load(path);
    }

    /** Epochs completed by {@code fit} on this model (counting resumed runs from their initial epoch). */
    public int epochsTrained() {
        return epochsTrained;
    }

    // ------------------------------------------------------------------ summary

    /** The layer table, as Keras prints it: name (type), output shape, parameter count; then totals. */
    public String summary() {
        List<String[]> rows = summaryRows();
        int w0 = "Layer (type)".length(), w1 = "Output Shape".length(), w2 = "Param #".length();
        for (String[] r : rows) {
            w0 = Math.max(w0, r[0].length());
            w1 = Math.max(w1, r[1].length());
            w2 = Math.max(w2, r[2].length());
        }
        w0 += 3;
        w1 += 3;
        int width = 1 + w0 + w1 + w2 + 2;
        String fmt = " %-" + w0 + "s%-" + w1 + "s%" + w2 + "s%n";
        StringBuilder b = new StringBuilder();
        String line = "_".repeat(width) + "\n";
        b.append("Model: \"").append(name() == null ? defaultName() : name()).append("\"\n").append(line);
        b.append(String.format(fmt, "Layer (type)", "Output Shape", "Param #"));
        b.append("=".repeat(width)).append('\n');
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            b.append(String.format(fmt, r[0], r[1], r[2]));
            if (i < rows.size() - 1) b.append('\n');
        }
        long total = countParams(), trainableCount = 0;
        for (Parameter p : trainableWeights()) trainableCount += p.numel();
        b.append("=".repeat(width)).append('\n');
        b.append(String.format("Total params: %,d%n", total));
        b.append(String.format("Trainable params: %,d%n", trainableCount));
        b.append(String.format("Non-trainable params: %,d%n", total - trainableCount));
        b.append(line);
        return b.toString();
    }

    /** Rows of the summary table: {"name (Type)", "(None, 10)", "650"}. */
    protected abstract List<String[]> summaryRows();

    protected static String shapesText(List<int[]> shapes) {
        if (shapes == null) return "?";
        if (shapes.size() == 1) return withBatch(shapes.get(0));
        List<String> parts = new ArrayList<>();
        for (int[] s : shapes) parts.add(withBatch(s));
        return "[" + String.join(", ", parts) + "]";
    }

    protected static String[] row(Layer l, List<int[]> outShapes) {
        return new String[]{l.name() + " (" + l.className() + ")", shapesText(outShapes), String.format("%,d", l.countParams())};
    }

    @Override
    public String toString() {
        return describe() + " with " + layers().size() + " layers" + (inputShapes() == null ? "" : ", inputs " + Arrays.deepToString(inputShapes().toArray()));
    }
}
