package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.callbacks.ProgressLogger;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import dev.myelin.nn.metrics.SparseCategoricalAccuracy;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ProgressLoggerTest {

    /** A clock the test moves by hand, in nanoseconds. */
    static final class FakeClock {
        long now;

        void at(double seconds) {
            now = Math.round(seconds * 1e9);
        }
    }

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    String output() {
        return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    static Map<String, Double> logs(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
        return m;
    }

    @Test
    void plainModePrintsOneLinePerEpochDuringFit() {
        Rng rng = new Rng(5);
        int n = 60;
        float[] x = new float[n * 2];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            x[2 * i] = (float) (y[i] - 1 + 0.3 * rng.nextGaussian());
            x[2 * i + 1] = (float) (0.3 * rng.nextGaussian());
        }
        Sequential m = new Sequential(new InputLayer(2), new Dense(3, "softmax"));
        m.seed(1);
        m.compile(new Adam(0.05f), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
        History h = m.fit(Tensor.of(x, n, 2), Tensor.ofLongs(y, n),
                new FitOptions().epochs(3).batchSize(8).validationSplit(0.2f).verbose(0).callbacks(new ProgressLogger(3, stream)));

        List<String> lines = output().lines().toList();
        assertEquals(3, lines.size(), output());
        for (int e = 0; e < 3; e++) {
            String expectedTail = String.format(Locale.ROOT, " - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f",
                    h.get("loss").get(e), h.get("accuracy").get(e), h.get("val_loss").get(e), h.get("val_accuracy").get(e));
            String line = lines.get(e);
            assertTrue(line.matches("Epoch " + (e + 1) + "/3 - \\d+\\.\\ds - .*"), line);
            assertTrue(line.endsWith(expectedTail), line + " should end with" + expectedTail);
            assertFalse(line.contains("\r"));
            assertFalse(line.contains("learning_rate"));
        }
    }

    @Test
    void plainLineFormat() {
        FakeClock clock = new FakeClock();
        ProgressLogger p = new ProgressLogger(10, stream).clock(() -> clock.now);
        assertFalse(p.progressBar());
        clock.at(100);
        p.onEpochBegin(2);
        for (int b = 0; b < 5; b++) p.onBatchEnd(b, logs("loss", 1.0, "accuracy", 0.5));
        assertEquals("", output(), "plain mode prints nothing during the epoch");
        clock.at(104.2);
        p.onEpochEnd(2, logs("loss", 0.12344, "accuracy", 0.965, "val_loss", 0.00001234, "val_accuracy", Double.NaN, "learning_rate", 0.001));
        assertEquals("Epoch 3/10 - 4.2s - loss: 0.1234 - accuracy: 0.9650 - val_loss: 1.2340e-05 - val_accuracy: nan\n", output());
    }

    @Test
    void defaultConstructorDrawsNoBarWithoutATerminal() {
        // Surefire's forked JVM writes to a pipe, never a terminal.
        assertFalse(ProgressLogger.terminalAttached());
        assertFalse(new ProgressLogger(2, 10).progressBar());
    }

    @Test
    void barModeRendersKerasProgress() {
        FakeClock clock = new FakeClock();
        ProgressLogger p = new ProgressLogger(2, 4, stream, true).clock(() -> clock.now);
        assertTrue(p.progressBar());
        clock.at(0);
        p.onEpochBegin(0);
        clock.at(1.0);
        p.onBatchEnd(0, logs("loss", 0.5, "accuracy", 0.25));
        clock.at(1.05); // within 0.1 s of the last redraw: not drawn
        p.onBatchEnd(1, logs("loss", 0.3, "accuracy", 0.5));
        clock.at(1.5);
        p.onBatchEnd(2, logs("loss", 0.1, "accuracy", 0.5));
        clock.at(2.0);
        p.onBatchEnd(3, logs("loss", 0.2, "accuracy", 0.75));
        clock.at(2.4);
        p.onEpochEnd(0, logs("loss", 0.25, "accuracy", 0.75, "val_loss", 0.0005, "val_accuracy", 1.0, "learning_rate", 0.001));

        String out = output();
        assertTrue(out.startsWith("Epoch 1/2\n\r"), out);
        assertTrue(out.endsWith("\n"), out);
        String[] frames = out.substring("Epoch 1/2\n\r".length(), out.length() - 1).split("\r");
        // Step 1: one step took 1 s, three to go. Step 3: 0.25 s a step after the first, one to go.
        // Loss is the running mean of the batch losses: (0.5 + 0.3 + 0.1) / 3 at step 3.
        assertArrayEquals(new String[]{
                "1/4 [======>.......................] - ETA: 3s - loss: 0.5000 - accuracy: 0.2500",
                "3/4 [=====================>........] - ETA: 0s - loss: 0.3000 - accuracy: 0.5000",
                "4/4 [==============================] - ETA: 0s - loss: 0.2750 - accuracy: 0.7500",
                "4/4 [==============================] - 2s 500ms/step - loss: 0.2500 - accuracy: 0.7500 - val_loss: 5.0000e-04 - val_accuracy: 1.0000",
        }, Arrays.stream(frames).map(String::stripTrailing).toArray(String[]::new), out);
        for (int i = 1; i < frames.length; i++) {
            assertTrue(frames[i].length() >= frames[i - 1].stripTrailing().length(), "each frame covers the one before it");
        }

        // The second epoch starts on a new line with its own header.
        bytes.reset();
        clock.at(10);
        p.onEpochBegin(1);
        clock.at(10.2);
        p.onBatchEnd(0, logs("loss", 0.2, "accuracy", 0.75));
        assertEquals("Epoch 2/2\n\r1/4 [======>.......................] - ETA: 0s - loss: 0.2000 - accuracy: 0.7500", output());
    }

    @Test
    void barShortensEtaFormats() {
        FakeClock clock = new FakeClock();
        ProgressLogger p = new ProgressLogger(1, 10_000, stream, true).clock(() -> clock.now);
        clock.at(0);
        p.onEpochBegin(0);
        clock.at(2); // 2 s for the first step, 9999 to go: 19998 s = 5:33:18
        p.onBatchEnd(0, logs("loss", 2.0));
        String first = output().split("\r")[1];
        assertEquals("    1/10000 [..............................] - ETA: 5:33:18 - loss: 2.0000", first);
        clock.at(2.05);
        p.onBatchEnd(1, logs("loss", 2.0));
        clock.at(2.1); // 0.05 s a step after the first, 9997 to go: 499.85 s = 8:19
        p.onBatchEnd(2, logs("loss", 2.0));
        String[] frames = output().split("\r");
        assertEquals("    3/10000 [..............................] - ETA: 8:19 - loss: 2.0000", frames[frames.length - 1].stripTrailing());
    }

    @Test
    void barThrottlesRedrawsToAboutTenPerSecond() {
        FakeClock clock = new FakeClock();
        ProgressLogger p = new ProgressLogger(1, 2000, stream, true).clock(() -> clock.now);
        clock.at(0);
        p.onEpochBegin(0);
        for (int b = 0; b < 2000; b++) { // 2000 steps of 1 ms
            clock.at((b + 1) * 1e-3);
            p.onBatchEnd(b, logs("loss", 1.0));
        }
        long redraws = output().chars().filter(c -> c == '\r').count();
        assertTrue(redraws >= 19 && redraws <= 21, "2 s of steps should redraw about 20 times, got " + redraws);
    }

    @Test
    void barWithUnknownStepCount() {
        FakeClock clock = new FakeClock();
        ProgressLogger p = new ProgressLogger(1, -1, stream, true).clock(() -> clock.now);
        clock.at(0);
        p.onEpochBegin(0);
        clock.at(0.05);
        p.onBatchEnd(0, logs("loss", 0.4));
        clock.at(0.3);
        p.onBatchEnd(1, logs("loss", 0.2));
        clock.at(1.7);
        p.onEpochEnd(0, logs("loss", 0.3));
        String[] frames = output().split("\r");
        assertEquals("Epoch 1/1\n", frames[0]);
        assertEquals("      1/Unknown - 0s 50ms/step - loss: 0.4000", frames[1].stripTrailing());
        assertEquals("      2/Unknown - 0s 250ms/step - loss: 0.3000", frames[2].stripTrailing());
        assertEquals("      2/Unknown - 2s 150ms/step - loss: 0.3000\n", frames[3]);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new ProgressLogger(0, stream));
        assertThrows(IllegalArgumentException.class, () -> new ProgressLogger(1, 5, null, true));
        assertThrows(IllegalArgumentException.class, () -> new ProgressLogger(1, stream).clock(null));
    }
}
