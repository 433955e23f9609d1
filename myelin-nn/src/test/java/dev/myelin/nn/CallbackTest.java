package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.CSVLogger;
import dev.myelin.nn.callbacks.Callback;
import dev.myelin.nn.callbacks.EarlyStopping;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.callbacks.LearningRateScheduler;
import dev.myelin.nn.callbacks.Mode;
import dev.myelin.nn.callbacks.ModelCheckpoint;
import dev.myelin.nn.callbacks.ReduceLROnPlateau;
import dev.myelin.nn.callbacks.TerminateOnNaN;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import dev.myelin.nn.metrics.SparseCategoricalAccuracy;
import dev.myelin.nn.optimizers.Adam;
import dev.myelin.nn.optimizers.SGD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CallbackTest {

    @TempDir
    Path dir;

    static final Tensor[] DATA = ModelFileTest.blobs(64, 9);

    static Sequential classifier() {
        Sequential m = new Sequential(new InputLayer(2), new Dense(8, "relu"), new Dense(3, "softmax"));
        m.seed(4);
        m.compile(new Adam(0.01f), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
        return m;
    }

    static FitOptions quiet(int epochs) {
        return new FitOptions().epochs(epochs).batchSize(16).verbose(0);
    }

    /** Feeds {@code values} of {@code key} to the callback as epochs 0, 1, ...; returns the epoch after which it stopped training, or -1. */
    static int feed(Callback cb, Model m, String key, double... values) {
        cb.setModel(m);
        m.stopTraining(false);
        cb.onTrainBegin();
        for (int e = 0; e < values.length; e++) {
            cb.onEpochBegin(e);
            Map<String, Double> logs = new LinkedHashMap<>();
            logs.put(key, values[e]);
            cb.onEpochEnd(e, logs);
            if (m.stopTraining()) return e;
        }
        return -1;
    }

    // ------------------------------------------------------------------ EarlyStopping

    @Test
    void earlyStoppingCountsPatienceMinDeltaAndBaselineAsKeras() {
        Model m = classifier();
        // Improves at epoch 1, then two epochs without improvement: patience 2 stops after epoch 3.
        assertEquals(3, feed(new EarlyStopping("val_loss", 2), m, "val_loss", 1.0, 0.9, 0.95, 0.92, 0.91));
        // 0.95 is better than 1.0 but not by more than minDelta 0.1.
        assertEquals(1, feed(new EarlyStopping("val_loss", 1).minDelta(0.1), m, "val_loss", 1.0, 0.95, 0.5));
        assertEquals(-1, feed(new EarlyStopping("val_loss", 1).minDelta(0.01), m, "val_loss", 1.0, 0.95, 0.5));
        // Accuracy goes up: AUTO infers MAX from the name.
        assertEquals(2, feed(new EarlyStopping("val_accuracy", 1), m, "val_accuracy", 0.5, 0.7, 0.6));
        assertEquals(-1, feed(new EarlyStopping("val_accuracy", 1), m, "val_accuracy", 0.5, 0.7, 0.8));
        // A baseline never beaten: improving epochs do not reset the wait, so the first flat one stops.
        assertEquals(2, feed(new EarlyStopping("val_loss", 2).baseline(0.5), m, "val_loss", 0.9, 0.8, 0.85));
        assertEquals(-1, feed(new EarlyStopping("val_loss", 2), m, "val_loss", 0.9, 0.8, 0.85));
        // Warm-up epochs are not monitored.
        assertEquals(3, feed(new EarlyStopping("loss", 0).startFromEpoch(2), m, "loss", 1, 2, 3, 4));
        // NaN is never an improvement.
        assertEquals(1, feed(new EarlyStopping("loss", 0), m, "loss", 1, Double.NaN));

        var e = assertThrows(IllegalArgumentException.class, () -> feed(new EarlyStopping("wobble"), m, "wobble", 1, 2));
        assertTrue(e.getMessage().contains("cannot tell whether it should be maximized or minimized"), e.getMessage());
        assertEquals(1, feed(new EarlyStopping("wobble").mode(Mode.MAX), m, "wobble", 2, 1));
    }

    @Test
    void earlyStoppingWarnsOnceWhenTheMonitorIsMissing() {
        Model m = classifier();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        EarlyStopping es = new EarlyStopping("val_loss", 0).printTo(System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(-1, feed(es, m, "loss", 1, 2, 3));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.contains("'val_loss', which is not available. Available metrics are: loss (no validation data?)"), text);
    }

    @Test
    void earlyStoppingStopsRealTrainingAndRestoresTheBestWeights() {
        Sequential m = classifier();
        List<List<float[]>> perEpoch = new ArrayList<>();
        Callback capture = new Callback() {
            @Override
            public void onEpochEnd(int epoch, Map<String, Double> logs) {
                List<float[]> ws = new ArrayList<>();
                for (Parameter p : m.weights()) ws.add(p.value().toFloatArray());
                perEpoch.add(ws);
            }
        };
        // The loss keeps falling, but never by 100: epoch 0 is the best, and patience 2 stops after epoch 2.
        EarlyStopping es = new EarlyStopping("loss", 2).minDelta(100).restoreBestWeights(true);
        History h = m.fit(DATA[0], DATA[1], quiet(20).callbacks(capture, es));
        assertEquals(List.of(0, 1, 2), h.epochs());
        assertEquals(2, es.stoppedEpoch());
        assertEquals(0, es.bestEpoch());
        assertTrue(h.get("loss").get(2) < h.get("loss").get(0), h.toString());
        List<Parameter> ws = m.weights();
        for (int i = 0; i < ws.size(); i++) assertArrayEquals(perEpoch.get(0).get(i), ws.get(i).value().toFloatArray(), "weight " + i);
        assertFalse(java.util.Arrays.equals(perEpoch.get(2).get(0), perEpoch.get(0).get(0)), "training moved the weights");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Sequential m2 = classifier();
        m2.fit(DATA[0], DATA[1], quiet(20).callbacks(new EarlyStopping("loss", 1).minDelta(100).verbose(1)
                .printTo(new PrintStream(out, true, StandardCharsets.UTF_8), System.err)));
        assertEquals("Epoch 2: early stopping", out.toString(StandardCharsets.UTF_8).strip());
    }

    // ------------------------------------------------------------------ ModelCheckpoint

    @Test
    void modelCheckpointFillsTheTemplateFromEpochAndLogs() throws IOException {
        Sequential m = classifier();
        Tensor[] val = ModelFileTest.blobs(32, 10);
        String template = dir.resolve("ckpt-{epoch:02d}-{val_loss:.4f}.myelin").toString();
        ModelCheckpoint cb = new ModelCheckpoint(template);
        History h = m.fit(DATA[0], DATA[1], quiet(3).validationData(val[0], val[1]).callbacks(cb));
        List<Path> expected = new ArrayList<>();
        for (int e = 0; e < 3; e++) expected.add(dir.resolve(String.format(Locale.ROOT, "ckpt-%02d-%.4f.myelin", e + 1, h.get("val_loss").get(e))));
        assertEquals(expected, cb.saved());
        for (Path p : expected) assertTrue(Files.exists(p), p.toString());
        Model last = ModelFile.load(expected.get(2));
        assertArrayEquals(m.predict(val[0]).toFloatArray(), last.predict(val[0]).toFloatArray());
        Map<?, ?> training = (Map<?, ?>) ModelFile.metadata(expected.get(2)).get("training");
        assertEquals(3, training.get("epochs"));
        assertEquals(h.last("val_loss"), ((Map<?, ?>) training.get("logs")).get("val_loss"));

        // Python's format specs: width, zero padding, exponent, percent, escaped braces.
        ModelCheckpoint fancy = new ModelCheckpoint(dir.resolve("m-{epoch:03d}-{loss:.2e}-{accuracy:.1%}-{loss}-{{x}}.myelin").toString());
        fancy.setModel(m);
        fancy.onTrainBegin();
        fancy.onEpochEnd(1, new LinkedHashMap<>(Map.of("loss", 0.123, "accuracy", 0.875)));
        assertEquals(dir.resolve("m-002-1.23e-01-87.5%-0.123-{x}.myelin"), fancy.saved().get(fancy.saved().size() - 1));

        var e = assertThrows(IllegalArgumentException.class,
                () -> feed(new ModelCheckpoint(dir.resolve("{epoch}-{val_acc:.2f}.myelin").toString()), m, "val_loss", 1.0));
        assertTrue(e.getMessage().contains("no value named 'val_acc'; available: epoch, val_loss"), e.getMessage());
        var s = assertThrows(IllegalArgumentException.class, () -> new ModelCheckpoint("m-{val_loss:02d}.myelin"));
        assertTrue(s.getMessage().contains("asks for an integer (d)"), s.getMessage());
    }

    @Test
    void modelCheckpointSaveBestOnlyKeepsTheBestEpoch() throws IOException {
        Sequential m = classifier();
        Path best = dir.resolve("sub/dir/best.myelin");
        ModelCheckpoint cb = new ModelCheckpoint(best.toString(), "val_loss").saveBestOnly(true);
        cb.setModel(m);
        cb.onTrainBegin();
        double[] losses = {0.5, 0.6, 0.4, 0.45};
        float[] bestKernel = null;
        for (int e = 0; e < losses.length; e++) {
            Parameter k = m.weights().get(0);
            k.assign(Tensor.full(e, k.shape()));          // mark the weights with the epoch
            if (e == 2) bestKernel = k.value().toFloatArray();
            cb.onEpochEnd(e, new LinkedHashMap<>(Map.of("val_loss", losses[e])));
        }
        assertEquals(List.of(best, best), cb.saved());   // epochs 0 and 2
        assertEquals(0.4, cb.best());
        assertEquals(3, ((Map<?, ?>) ModelFile.metadata(best).get("training")).get("epochs"));
        assertArrayEquals(bestKernel, ModelFile.load(best).weights().get(0).value().toFloatArray());

        // Maximising accuracy, with a threshold to beat first.
        ModelCheckpoint acc = new ModelCheckpoint(dir.resolve("acc.myelin").toString(), "val_accuracy").saveBestOnly(true).initialValueThreshold(0.6);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        acc.verbose(1).printTo(new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        acc.setModel(m);
        acc.onTrainBegin();
        acc.onEpochEnd(0, new LinkedHashMap<>(Map.of("val_accuracy", 0.55)));
        acc.onEpochEnd(1, new LinkedHashMap<>(Map.of("val_accuracy", 0.7)));
        acc.onEpochEnd(2, new LinkedHashMap<>(Map.of("val_accuracy", 0.65)));
        assertEquals(List.of(dir.resolve("acc.myelin")), acc.saved());
        assertEquals("""
                Epoch 1: val_accuracy did not improve from 0.60000
                Epoch 2: val_accuracy improved from 0.60000 to 0.70000, saving model to %s
                Epoch 3: val_accuracy did not improve from 0.70000""".formatted(dir.resolve("acc.myelin")),
                out.toString(StandardCharsets.UTF_8).strip());
    }

    // ------------------------------------------------------------------ learning rate

    @Test
    void reduceLrOnPlateauFollowsPatienceCooldownAndMinLr() {
        Model m = classifier();
        m.compile(new SGD(0.1f), new SparseCategoricalCrossentropy());
        ReduceLROnPlateau cb = new ReduceLROnPlateau("val_loss").factor(0.5).patience(2).cooldown(1).minLr(0.02).minDelta(0);
        cb.setModel(m);
        cb.onTrainBegin();
        float[] expected = {0.1f, 0.1f, 0.05f, 0.05f, 0.025f, 0.025f, 0.02f, 0.02f, 0.02f};
        for (int e = 0; e < expected.length; e++) {
            cb.onEpochEnd(e, new LinkedHashMap<>(Map.of("val_loss", 1.0)));
            assertEquals(expected[e], m.optimizer().learningRate(), "after epoch " + e);
        }
        // Improvements beyond minDelta keep the rate.
        m.compile(new SGD(0.1f), new SparseCategoricalCrossentropy());
        ReduceLROnPlateau steady = new ReduceLROnPlateau("val_loss").patience(1);
        assertEquals(-1, feed(steady, m, "val_loss", 1.0, 0.9, 0.8, 0.7));
        assertEquals(0.1f, m.optimizer().learningRate());
        // AUTO maximises accuracies.
        ReduceLROnPlateau acc = new ReduceLROnPlateau("val_accuracy").patience(1).factor(0.5);
        feed(acc, m, "val_accuracy", 0.5, 0.6, 0.7);
        assertEquals(0.1f, m.optimizer().learningRate());
        feed(acc, m, "val_accuracy", 0.7, 0.6);
        assertEquals(0.05f, m.optimizer().learningRate());
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau("loss").factor(1.0));
    }

    @Test
    void reduceLrOnPlateauAndSchedulerChangeTheRateRealTrainingUses() {
        Sequential m = classifier();
        m.compile(new SGD(0.1f), new SparseCategoricalCrossentropy());
        History h = m.fit(DATA[0], DATA[1], quiet(4).callbacks(new ReduceLROnPlateau("loss").minDelta(100).patience(1).factor(0.5)));
        // The logged rate is the one each epoch trained with.
        assertEquals(List.of((double) 0.1f, (double) 0.1f, (double) 0.05f, (double) 0.025f), h.get("learning_rate"));

        Sequential s = classifier();
        s.compile(new SGD(0.1f), new SparseCategoricalCrossentropy());
        History hs = s.fit(DATA[0], DATA[1], quiet(3).callbacks(new LearningRateScheduler((epoch, lr) -> epoch == 0 ? lr : lr * 0.5)));
        assertEquals(List.of((double) 0.1f, (double) 0.05f, (double) 0.025f), hs.get("learning_rate"));

        // The rate really drives the update: a zero-ish rate leaves the weights (almost) where they were.
        Sequential frozen = classifier();
        frozen.compile(new SGD(0.1f), new SparseCategoricalCrossentropy());
        float[] before = frozen.weights().get(0).value().toFloatArray();
        frozen.fit(DATA[0], DATA[1], quiet(1).callbacks(new LearningRateScheduler((epoch, lr) -> 1e-30)));
        assertArrayEquals(before, frozen.weights().get(0).value().toFloatArray(), 1e-20f);

        var e = assertThrows(IllegalArgumentException.class,
                () -> classifier().fit(DATA[0], DATA[1], quiet(2).callbacks(new LearningRateScheduler((epoch, lr) -> epoch == 1 ? -1 : lr))));
        assertTrue(e.getMessage().contains("returned -1.0 for epoch 1"), e.getMessage());
    }

    // ------------------------------------------------------------------ CSVLogger

    @Test
    void csvLoggerWritesSortedColumnsAndAppendsForResumedTraining() throws IOException {
        Sequential m = classifier();
        Path csv = dir.resolve("log.csv");
        Tensor[] val = ModelFileTest.blobs(32, 12);
        History h = m.fit(DATA[0], DATA[1], quiet(3).validationData(val[0], val[1]).callbacks(new CSVLogger(csv)));
        List<String> lines = Files.readAllLines(csv);
        assertEquals("epoch,accuracy,learning_rate,loss,val_accuracy,val_loss", lines.get(0));
        assertEquals(4, lines.size());
        String[] cols = lines.get(0).split(",");
        for (int e = 0; e < 3; e++) {
            String[] cells = lines.get(e + 1).split(",");
            assertEquals(Integer.toString(e), cells[0]);
            for (int c = 1; c < cols.length; c++) {
                assertEquals(h.get(cols[c]).get(e), Double.parseDouble(cells[c]), cols[c] + " at epoch " + e);  // exact: Python repr round-trips
            }
        }
        // Resume: append rows, no second header.
        m.fit(DATA[0], DATA[1], quiet(5).initialEpoch(3).validationData(val[0], val[1]).callbacks(new CSVLogger(csv, true)));
        lines = Files.readAllLines(csv);
        assertEquals(6, lines.size());
        assertTrue(lines.get(4).startsWith("3,") && lines.get(5).startsWith("4,"), lines.toString());
        // Without append the file starts over.
        m.fit(DATA[0], DATA[1], quiet(1).callbacks(new CSVLogger(csv)));
        lines = Files.readAllLines(csv);
        assertEquals(List.of("epoch,accuracy,learning_rate,loss"), lines.subList(0, 1));
        assertEquals(2, lines.size());
    }

    @Test
    void csvLoggerWritesNaForMissingKeysAndPythonStyleNumbers() throws IOException {
        Path csv = dir.resolve("synthetic.csv");
        CSVLogger log = new CSVLogger(csv).separator(";");
        log.onTrainBegin();
        log.onEpochEnd(0, new LinkedHashMap<>(Map.of("loss", 1e-5, "val_loss", 0.5)));
        log.onEpochEnd(1, new LinkedHashMap<>(Map.of("loss", Double.NaN)));
        log.onEpochEnd(2, new LinkedHashMap<>(Map.of("loss", 123.0, "val_loss", 1e16)));
        assertEquals(List.of("epoch;loss;val_loss", "0;1e-05;0.5", "1;nan;NA", "2;123.0;1e+16"), Files.readAllLines(csv));
    }

    // ------------------------------------------------------------------ TerminateOnNaN

    @Test
    void terminateOnNaNStopsAtTheBatchWithTheInvalidLossAndSaysWhere() {
        // Regression inputs with a NaN in sample 37: batch 4 (from 0) of 8 samples, epoch 0.
        Rng rng = new Rng(3);
        Tensor clean = Tensor.randn(rng, 64, 3);
        float[] y = clean.sum(new int[]{1}, true).toFloatArray();
        float[] xs = clean.toFloatArray();
        xs[37 * 3 + 1] = Float.NaN;
        Tensor x = Tensor.of(xs, 64, 3);
        Sequential m = new Sequential(new InputLayer(3), new Dense(1));
        m.compile(new SGD(0.01f), new MeanSquaredError());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        TerminateOnNaN cb = new TerminateOnNaN(new PrintStream(err, true, StandardCharsets.UTF_8));
        int[] batches = {0};
        Callback counter = new Callback() {
            @Override
            public void onBatchEnd(int batch, Map<String, Double> logs) {
                batches[0]++;
            }
        };
        History h = m.fit(x, Tensor.of(y, 64, 1), new FitOptions().epochs(5).batchSize(8).shuffle(false).verbose(0).callbacks(counter, cb));
        assertEquals(new TerminateOnNaN.Place(0, 4, Double.NaN), cb.terminatedAt().orElseThrow());
        assertEquals(5, batches[0], "no batch after the invalid one");
        assertEquals(List.of(0), h.epochs());
        assertEquals("Invalid loss NaN at epoch 1, batch 5 (counting from 1), terminating training", err.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void terminateOnNaNReportsALaterEpochAndCanThrow() {
        Sequential m = classifier();
        Callback saboteur = new Callback() {
            int epoch;

            @Override
            public void onEpochBegin(int e) {
                epoch = e;
            }

            @Override
            public void onBatchBegin(int batch) {
                if (epoch == 1 && batch == 2) {
                    Parameter k = m.weights().get(0);
                    k.assign(Tensor.full(Float.POSITIVE_INFINITY, k.shape()));
                }
            }
        };
        TerminateOnNaN cb = new TerminateOnNaN(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        History h = m.fit(DATA[0], DATA[1], quiet(4).callbacks(saboteur, cb));
        assertEquals(1, cb.terminatedAt().orElseThrow().epoch());
        assertEquals(2, cb.terminatedAt().orElseThrow().batch());
        assertEquals(List.of(0, 1), h.epochs());

        Sequential m2 = classifier();
        Parameter k = m2.weights().get(0);
        k.assign(Tensor.full(Float.NaN, k.shape()));
        var e = assertThrows(ArithmeticException.class, () -> m2.fit(DATA[0], DATA[1], quiet(2).callbacks(new TerminateOnNaN().raiseError(true))));
        assertEquals("Invalid loss NaN at epoch 1, batch 1 (counting from 1), terminating training", e.getMessage());
    }
}
