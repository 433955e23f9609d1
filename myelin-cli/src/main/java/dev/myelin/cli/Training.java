package dev.myelin.cli;

import dev.myelin.core.Tensor;
import dev.myelin.nn.FitOptions;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.callbacks.CSVLogger;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.callbacks.ProgressLogger;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.Normalization;
import dev.myelin.nn.losses.Loss;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training as train and quickstart do it: build and compile the spec's model, turn the labels
 * into targets for its loss, adapt leading Normalization layers to the training samples, fit with
 * progress on the command's stream, save with the task recorded in the file.
 */
final class Training {
    private Training() {}

    /** The spec's fit settings after command-line overrides. */
    record Settings(int epochs, int batchSize, float validationSplit, boolean shuffle, long seed, Float learningRate, Path csvLog) {
        static Settings of(Spec spec, Integer epochs, Integer batchSize, Float validationSplit, Long seed, Float learningRate, Path csvLog) {
            Spec.Fit f = spec.fit;
            return new Settings(epochs != null ? epochs : f.epochs(), batchSize != null ? batchSize : f.batchSize(),
                    validationSplit != null ? validationSplit : f.validationSplit(), f.shuffle(),
                    seed != null ? seed : spec.seed, learningRate, csvLog);
        }
    }

    /** A trained model, its task, the last epoch's logs and the seconds {@code fit} took. */
    record Result(Model model, Task task, Map<String, Double> logs, double seconds, int trainSamples, int validationSamples, History history) {}

    /** The compiled model for {@code data}, before training; prints nothing. */
    static Model compiled(Spec spec, Settings s, DataOptions.Data data) {
        Model model = spec.buildModel(data.sampleShape(), s.seed());
        Loss loss = spec.loss();
        model.compile(spec.optimizer(s.learningRate()), List.of(loss), spec.metrics(loss));
        if (model.inputShapes().size() != 1 || model.outputShapes().size() != 1) {
            throw new IllegalArgumentException(spec.source + ": the model has " + model.inputShapes().size() + " inputs and "
                    + model.outputShapes().size() + " outputs; the command line trains models with one of each");
        }
        return model;
    }

    /** The samples in the model's input shape, their targets for its loss, and the task: every data mistake shows here, before training. */
    record Prepared(Tensor x, Tensor y, Task task) {}

    static Prepared prepare(Spec spec, Settings s, Model model, DataOptions.Data data) throws IOException {
        Loss loss = model.losses().getFirst();
        int[] outShape = model.outputShapes().getFirst();
        Tensor x = data.xFor(model.inputShapes().getFirst());
        Task task = Task.forTraining(loss, spec.metricNames(), data, outShape);
        toAdapt(model, spec.source);
        int n = data.size(), nVal = (int) (n * s.validationSplit());
        if (s.validationSplit() > 0 && (nVal == 0 || nVal == n)) {
            throw new IllegalArgumentException("a validation split of " + s.validationSplit() + " leaves no " + (nVal == 0 ? "validation" : "training")
                    + " samples out of " + n + "; use more data or --validation-split 0");
        }
        return new Prepared(x, task.targets(data, loss, outShape), task);
    }

    /**
     * The Normalization layers that fit their mean and variance to the training samples: those
     * without given constants at the start of a Sequential model, where they see the raw features.
     * One elsewhere would need the activations before it, so it must be given its constants.
     */
    static List<Normalization> toAdapt(Model model, String source) {
        List<Normalization> out = new ArrayList<>();
        boolean atStart = model instanceof Sequential;
        for (Layer l : model.layers()) {
            if (l instanceof InputLayer) continue;
            if (l instanceof Normalization norm && !norm.isAdapted()) {
                if (!atStart) {
                    throw new IllegalArgumentException(source + ": " + l.describe() + " is not at the start of a Sequential model, so it cannot "
                            + "be adapted to the data; give it 'mean' and 'variance', or move it first");
                }
                out.add(norm);
            } else if (!(l instanceof Normalization)) {
                atStart = false;
            }
        }
        return out;
    }

    static Result fit(Settings s, Model model, Prepared p, PrintStream out) {
        return fit(s, model, p, out, null);
    }

    /** Like {@link #fit(Settings, Model, Prepared, PrintStream)}, also writing TensorBoard event files under {@code tensorBoardDir} when not null. */
    static Result fit(Settings s, Model model, Prepared p, PrintStream out, Path tensorBoardDir) {
        Tensor x = p.x(), y = p.y();
        int n = x.size(0), nVal = (int) (n * s.validationSplit());
        List<Normalization> adapt = toAdapt(model, "the model");
        if (!adapt.isEmpty()) {
            Tensor trainX = x.slice(0, 0, n - nVal);   // as Keras users adapt: on the training part only
            for (Normalization norm : adapt) norm.adapt(trainX);
            out.printf(Locale.ROOT, "Adapted %s to the %,d training samples%n",
                    adapt.stream().map(Layer::name).collect(java.util.stream.Collectors.joining(", ")), n - nVal);
        }
        FitOptions fo = new FitOptions().epochs(s.epochs()).batchSize(s.batchSize()).validationSplit(s.validationSplit()).shuffle(s.shuffle());
        if (out == System.out) {
            fo.verbose(1);   // fit's own display: a progress bar on a terminal, a line per epoch otherwise
        } else {
            fo.verbose(0).callbacks(new ProgressLogger(s.epochs(), out));   // a caller's stream (tests): a line per epoch on it
        }
        if (s.csvLog() != null) fo.callbacks(new CSVLogger(s.csvLog()));
        if (tensorBoardDir != null) fo.callbacks(new dev.myelin.nn.callbacks.TensorBoard(tensorBoardDir));
        out.printf(Locale.ROOT, "Training on %,d samples%s, %d epoch%s of batches of %d%n", n - nVal,
                nVal > 0 ? String.format(Locale.ROOT, " (validating on the last %,d)", nVal) : "",
                s.epochs(), s.epochs() == 1 ? "" : "s", s.batchSize());
        out.flush();
        long start = System.nanoTime();
        History h = model.fit(x, y, fo);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> logs = new LinkedHashMap<>();
        for (var e : h.all().entrySet()) {
            if (!e.getKey().equals("learning_rate") && !e.getValue().isEmpty()) logs.put(e.getKey(), e.getValue().getLast());
        }
        return new Result(model, p.task(), logs, seconds, n - nVal, nVal, h);
    }

    /** Saves the model with what made it: the spec, the data, the epochs, the last logs and the task. */
    /**
     * Writes the loss and metric curves, and for a classifier the confusion matrix on ({@code x},
     * {@code y}) when given, as PNGs next to each other; returns the files written.
     */
    static List<Path> plots(Result r, Path curvesPng, Path confusionPng, Tensor x, Tensor y) throws IOException {
        List<Path> written = new java.util.ArrayList<>();
        createParent(curvesPng);
        dev.myelin.plot.Plots.trainingCurves(r.history(), curvesPng);
        written.add(curvesPng);
        int[] outShape = r.model().outputShapes().getFirst();
        boolean classifier = outShape.length == 1 && outShape[0] > 1 && r.model().losses().getFirst().name().contains("categorical");
        if (confusionPng != null && x != null && classifier) {
            int classes = outShape[0];
            Tensor probs = r.model().predict(x, 256);
            int[][] counts = dev.myelin.plot.ConfusionMatrix.compute(y, probs, classes);
            String[] names = new String[classes];
            for (int i = 0; i < classes; i++) names[i] = Integer.toString(i);
            dev.myelin.plot.Plots.confusionMatrix(counts, names, confusionPng);
            written.add(confusionPng);
        }
        return written;
    }

    static void save(Result r, Spec spec, Settings s, DataOptions.Data data, Path output) throws IOException {
        createParent(output);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("spec", spec.source);
        info.put("data", data.description);
        info.put("epochs", r.model().epochsTrained());
        info.put("batch_size", s.batchSize());
        info.put("train_samples", r.trainSamples());
        info.put("validation_samples", r.validationSamples());
        info.put("seed", s.seed());
        info.put("seconds", Math.round(r.seconds() * 10) / 10.0);
        info.put("final_logs", r.logs());
        info.put(Task.KEY, r.task().toMap());
        ModelFile.save(r.model(), output, info);
    }

    static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
    }

    /** Keras's log line: "loss: 0.0312 - accuracy: 0.9901". */
    static String format(Map<String, Double> logs) {
        StringBuilder b = new StringBuilder();
        for (var e : logs.entrySet()) {
            if (!b.isEmpty()) b.append(" - ");
            b.append(String.format(Locale.ROOT, "%s: %.4f", e.getKey(), e.getValue()));
        }
        return b.toString();
    }
}
