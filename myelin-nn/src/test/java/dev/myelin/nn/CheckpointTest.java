package dev.myelin.nn;

import dev.myelin.backend.Parallel;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.callbacks.ModelCheckpoint;
import dev.myelin.nn.io.Checkpoint;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.io.ModelFileException;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Dropout;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import dev.myelin.nn.metrics.SparseCategoricalAccuracy;
import dev.myelin.nn.optimizers.Adam;
import dev.myelin.nn.optimizers.Optimizer;
import dev.myelin.nn.optimizers.SGD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointTest {

    @TempDir
    Path dir;

    private int threads;

    @BeforeEach
    void oneThread() {
        threads = Parallel.setThreads(1);
    }

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threads);
    }

    static final Tensor[] DATA = ModelFileTest.blobs(120, 5);

    /** An MLP with dropout, so the generator's state matters for the result. */
    static Sequential model(long seed) {
        Sequential m = new Sequential(new InputLayer(2), new Dense(12, "relu"), new Dropout(0.2f), new Dense(3, "softmax"));
        m.seed(seed);
        return m;
    }

    static FitOptions options(int epochs) {
        return new FitOptions().epochs(epochs).batchSize(16).validationSplit(0.2f).verbose(0);
    }

    static List<float[]> weights(Model m) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : m.weights()) out.add(p.value().toFloatArray());
        return out;
    }

    private void assertResumeIsBitIdentical(Supplier<Optimizer> optimizer) throws IOException {
        // Straight through: 5 epochs.
        Sequential straight = model(11);
        straight.compile(optimizer.get(), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
        History full = straight.fit(DATA[0], DATA[1], options(5));

        // 2 epochs, checkpoint, then a fresh model (other initial weights) and optimizer resume.
        Sequential first = model(11);
        first.compile(optimizer.get(), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
        first.fit(DATA[0], DATA[1], options(2));
        Path ckpt = dir.resolve("run.ckpt");
        Checkpoint.save(first, 2, ckpt);

        Sequential resumed = model(999);
        resumed.compile(optimizer.get(), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
        int start = Checkpoint.restore(resumed, ckpt);
        assertEquals(2, start);
        assertEquals(first.optimizer().iterations(), resumed.optimizer().iterations());
        History rest = resumed.fit(DATA[0], DATA[1], options(5).initialEpoch(start));

        assertEquals(List.of(2, 3, 4), rest.epochs());
        List<float[]> a = weights(straight), b = weights(resumed);
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i), "weight " + i + " differs after resuming");
        // The logged losses agree to float precision, not to the bit: the loss scalar is a vector
        // reduction (FloatVector.reduceLanes), whose summation order changes once C2 compiles it.
        // Gradients do not depend on that scalar, so the weights above are bit-identical.
        for (int e = 0; e < 3; e++) {
            assertEquals(full.get("loss").get(e + 2), rest.get("loss").get(e), 1e-6 * full.get("loss").get(e + 2), "loss, epoch " + (e + 2));
            assertEquals(full.get("val_loss").get(e + 2), rest.get("val_loss").get(e), 1e-6 * full.get("val_loss").get(e + 2), "val_loss, epoch " + (e + 2));
        }
    }

    @Test
    void resumingFromACheckpointGivesTheSameWeightsBitForBitWithAdam() throws IOException {
        assertResumeIsBitIdentical(() -> new Adam(0.01f));
    }

    @Test
    void resumingFromACheckpointGivesTheSameWeightsBitForBitWithNesterovSgd() throws IOException {
        assertResumeIsBitIdentical(() -> new SGD(0.05f, 0.9f, true));
    }

    @Test
    void resumingFollowsALearningRateScheduleFromTheRestoredStep() throws IOException {
        assertResumeIsBitIdentical(() -> new Adam(0.01f).schedule(step -> 0.01 * Math.pow(0.9, step)));
    }

    @Test
    void restoresSlotsIterationsLearningRateAndGenerator() throws IOException {
        Sequential m = model(1);
        m.compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        m.fit(DATA[0], DATA[1], options(1));
        m.optimizer().setLearningRate(0.0037f);          // as ReduceLROnPlateau would have
        Path ckpt = dir.resolve("a.ckpt");
        Checkpoint.save(m, 1, ckpt, Map.of("loss", 0.5));

        Sequential fresh = model(2);
        fresh.compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        assertEquals(1, Checkpoint.restore(fresh, ckpt));
        assertEquals(0.0037f, fresh.optimizer().learningRate());
        assertArrayEquals(m.trainingRng().state(), fresh.trainingRng().state());
        Map<String, Parameter> names = ModelFile.weightsByName(m), freshNames = ModelFile.weightsByName(fresh);
        for (String n : names.keySet()) {
            Map<String, Tensor> s = m.optimizer().slots().get(names.get(n)), t = fresh.optimizer().slots().get(freshNames.get(n));
            assertEquals(s.keySet(), t.keySet(), n);
            for (String slot : s.keySet()) assertArrayEquals(s.get(slot).toFloatArray(), t.get(slot).toFloatArray(), n + "/" + slot);
        }
        Map<String, Object> state = Checkpoint.trainingState(ckpt);
        assertEquals(1, state.get("epoch"));
        assertEquals(Map.of("loss", 0.5), state.get("logs"));

        // A checkpoint is a model file too.
        assertEquals("checkpoint", ModelFile.metadata(ckpt).get("kind"));
        Tensor x = DATA[0].slice(0, 0, 9);
        assertArrayEquals(m.predict(x).toFloatArray(), ModelFile.load(ckpt).predict(x).toFloatArray());
    }

    @Test
    void restoreRefusesMismatchesAndChangesNothing() throws IOException {
        Sequential m = model(1);
        m.compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        m.fit(DATA[0], DATA[1], options(1));
        Path ckpt = dir.resolve("b.ckpt");
        Checkpoint.save(m, 1, ckpt);

        Sequential sgd = model(3);
        sgd.compile(new SGD(0.1f), new SparseCategoricalCrossentropy());
        List<float[]> before = weights(sgd);
        long[] rngBefore = sgd.trainingRng().state();
        var e = assertThrows(ModelFileException.class, () -> Checkpoint.restore(sgd, ckpt));
        assertEquals(ckpt + ": holds the state of a 'adam' optimizer, but layer 'sequential' (Sequential) is compiled with 'sgd'; "
                + "compile it with the same kind of optimizer to resume", e.getMessage());
        List<float[]> after = weights(sgd);
        for (int i = 0; i < before.size(); i++) assertArrayEquals(before.get(i), after.get(i));
        assertArrayEquals(rngBefore, sgd.trainingRng().state());

        Sequential other = new Sequential(new InputLayer(2), new Dense(5), new Dense(3));
        other.compile(new Adam(), new SparseCategoricalCrossentropy());
        e = assertThrows(ModelFileException.class, () -> Checkpoint.restore(other, ckpt));
        assertTrue(e.getMessage().contains("weight 'dense/kernel' has shape (2, 12) in the file, but (2, 5) in the model"), e.getMessage());

        Path plain = dir.resolve("plain.myelin");
        ModelFile.save(m, plain);
        Sequential fresh = model(4);
        fresh.compile(new Adam(), new SparseCategoricalCrossentropy());
        e = assertThrows(ModelFileException.class, () -> Checkpoint.restore(fresh, plain));
        assertTrue(e.getMessage().contains("is a model file without training state"), e.getMessage());

        var u = assertThrows(IllegalStateException.class, () -> Checkpoint.restore(model(5), ckpt));
        assertTrue(u.getMessage().contains("compile"), u.getMessage());
        var s = assertThrows(IllegalStateException.class, () -> Checkpoint.save(model(5), 0, dir.resolve("x.ckpt")));
        assertTrue(s.getMessage().contains("not compiled"), s.getMessage());
    }

    @Test
    void modelCheckpointWritesResumableCheckpointsEachEpoch() throws IOException {
        Sequential straight = model(21);
        straight.compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        straight.fit(DATA[0], DATA[1], options(4));

        Sequential first = model(21);
        first.compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        String template = dir.resolve("ckpt-{epoch:02d}.ckpt").toString();
        ModelCheckpoint cb = new ModelCheckpoint(template).saveTrainingState(true);
        first.fit(DATA[0], DATA[1], options(3).callbacks(cb));
        assertEquals(List.of(dir.resolve("ckpt-01.ckpt"), dir.resolve("ckpt-02.ckpt"), dir.resolve("ckpt-03.ckpt")), cb.saved());

        // Resume from the end of epoch 2 (file ckpt-02), not the last one.
        Sequential resumed = model(5);
        resumed.compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        int start = Checkpoint.restore(resumed, dir.resolve("ckpt-02.ckpt"));
        assertEquals(2, start);
        resumed.fit(DATA[0], DATA[1], options(4).initialEpoch(start));
        List<float[]> a = weights(straight), b = weights(resumed);
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i), "weight " + i);
    }
}
