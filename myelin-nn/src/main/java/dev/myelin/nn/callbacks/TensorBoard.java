package dev.myelin.nn.callbacks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the epoch metrics as TensorBoard scalars, as Keras's {@code TensorBoard} callback does:
 * training values go to {@code logDir/train} and validation values to {@code logDir/validation},
 * tagged {@code "epoch_" + name} with the "val_" prefix dropped ("loss" and "val_loss" both become
 * {@code epoch_loss}, one curve per run), at step = epoch (from 0). The learning rate is written
 * with the training values ({@code epoch_learning_rate}). Each run of {@code fit} starts a new
 * event file per folder; each epoch is flushed as it ends. Only scalars are written (no graphs,
 * histograms, images or per-batch values).
 *
 * <pre>{@code model.fit(x, y, new FitOptions().epochs(10).validationSplit(0.1f).callbacks(new TensorBoard(Path.of("logs/run1"))));
 * // then: tensorboard --logdir logs}</pre>
 */
public final class TensorBoard implements Callback {
    private final Path logDir;
    private EventFileWriter train, validation;

    public TensorBoard(Path logDir) {
        if (logDir == null) throw new IllegalArgumentException("TensorBoard: logDir must not be null");
        this.logDir = logDir;
    }

    /** The folder holding {@code train/} and {@code validation/}. */
    public Path logDir() {
        return logDir;
    }

    @Override
    public void onTrainBegin() {
        closeWriters();
        try {
            train = EventFileWriter.open(logDir.resolve("train"), wallTime());
        } catch (IOException e) {
            throw new UncheckedIOException("TensorBoard: cannot create an event file in " + logDir.resolve("train") + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        Map<String, Float> trainValues = new LinkedHashMap<>(), valValues = new LinkedHashMap<>();
        for (var e : logs.entrySet()) {
            if (e.getValue() == null) continue;
            String key = e.getKey();
            if (key.startsWith("val_")) valValues.put("epoch_" + key.substring(4), e.getValue().floatValue());
            else trainValues.put("epoch_" + key, e.getValue().floatValue());
        }
        double now = wallTime();
        try {
            // fit calls onTrainBegin first; a callback driven by hand may not have.
            if (train == null) train = EventFileWriter.open(logDir.resolve("train"), now);
            if (!trainValues.isEmpty()) {
                train.writeScalars(now, epoch, trainValues);
                train.flush();
            }
            if (!valValues.isEmpty()) {
                if (validation == null) validation = EventFileWriter.open(logDir.resolve("validation"), now);
                validation.writeScalars(now, epoch, valValues);
                validation.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("TensorBoard: cannot write epoch " + epoch + " under " + logDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        closeWriters();
    }

    private void closeWriters() {
        IOException failure = null;
        for (EventFileWriter w : new EventFileWriter[]{train, validation}) {
            if (w == null) continue;
            try {
                w.close();
            } catch (IOException e) {
                if (failure == null) failure = e;
            }
        }
        train = null;
        validation = null;
        if (failure != null) throw new UncheckedIOException("TensorBoard: cannot close the event files under " + logDir + ": " + failure.getMessage(), failure);
    }

    /** Seconds since the Unix epoch, with the fraction, as TensorFlow's {@code wall_time}. */
    private static double wallTime() {
        return System.currentTimeMillis() / 1000.0;
    }
}
