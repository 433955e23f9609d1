package dev.myelin.nn.callbacks;

import dev.myelin.nn.Model;
import dev.myelin.nn.io.Checkpoint;
import dev.myelin.nn.io.ModelFile;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Saves the model after every epoch, as Keras's {@code ModelCheckpoint}, to a path filled from a
 * template with Python's format fields: {@code {epoch}} (counting from 1) and any logged value,
 * e.g. "ckpt-{epoch:02d}-{val_loss:.4f}.myelin" gives "ckpt-03-0.2871.myelin". Files are
 * {@link ModelFile}s, written atomically; with {@link #saveTrainingState} they are
 * {@link Checkpoint}s, which resume training exactly. With {@link #saveBestOnly} a file is
 * written only when the monitored value improves on the best so far (a fixed path then always
 * holds the best model). Missing directories are created.
 *
 * <pre>{@code new ModelCheckpoint("runs/best.myelin", "val_accuracy").saveBestOnly(true)}</pre>
 */
public final class ModelCheckpoint implements Callback {
    private final String template;
    private Monitor monitor;
    private boolean saveBestOnly, saveTrainingState;
    private double best = Double.NaN;
    private boolean thresholdSet;
    private int verbose;
    private PrintStream out = System.out, err = System.err;
    private Model model;
    private final List<Path> saved = new ArrayList<>();

    /** Saves every epoch to {@code filepath} (a template); monitors "val_loss" for {@link #saveBestOnly}. */
    public ModelCheckpoint(String filepath) {
        this(filepath, "val_loss");
    }

    public ModelCheckpoint(String filepath, String monitor) {
        if (filepath == null || filepath.isBlank()) throw new IllegalArgumentException("ModelCheckpoint: filepath must not be empty");
        PyFormat.format(filepath, new FieldCheck(), "ModelCheckpoint");  // syntax errors now, not after the first epoch
        this.template = filepath;
        this.monitor = new Monitor("ModelCheckpoint", monitor, Mode.AUTO, 0, null);
    }

    /** Only save when the monitored value is the best so far. Returns this. */
    public ModelCheckpoint saveBestOnly(boolean value) {
        this.saveBestOnly = value;
        return this;
    }

    public ModelCheckpoint mode(Mode mode) {
        monitor = monitor.withMode(mode);
        return this;
    }

    /** The value to beat before the first save, with {@link #saveBestOnly}. Returns this. */
    public ModelCheckpoint initialValueThreshold(double value) {
        this.best = value;
        this.thresholdSet = true;
        return this;
    }

    /** Writes {@link Checkpoint}s (model plus optimizer and generator state), resumable with {@link Checkpoint#restore}. Returns this. */
    public ModelCheckpoint saveTrainingState(boolean value) {
        this.saveTrainingState = value;
        return this;
    }

    /** 1 prints each save (and each epoch that did not improve, with saveBestOnly). Returns this. */
    public ModelCheckpoint verbose(int level) {
        this.verbose = level;
        return this;
    }

    public ModelCheckpoint printTo(PrintStream messages, PrintStream warnings) {
        this.out = messages;
        this.err = warnings;
        return this;
    }

    /** The best monitored value so far (NaN before any, with saveBestOnly). */
    public double best() {
        return best;
    }

    /** The files written, in order (a path repeats when it was overwritten). */
    public List<Path> saved() {
        return Collections.unmodifiableList(saved);
    }

    @Override
    public void setModel(Model m) {
        this.model = m;
    }

    @Override
    public void onTrainBegin() {
        monitor.resetWarning();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("epoch", epoch + 1);
        if (logs != null) values.putAll(logs);
        Path path = Path.of(PyFormat.format(template, values, "ModelCheckpoint"));
        if (saveBestOnly) {
            if (!thresholdSet && Double.isNaN(best)) best = monitor.worst();
            Double current = monitor.value(logs, err);
            if (current != null) {
                String bestText = String.format(Locale.ROOT, "%.5f", best);
                if (!monitor.isImprovement(current, best)) {
                    if (verbose > 0) out.println("Epoch " + (epoch + 1) + ": " + monitor.name + " did not improve from " + bestText);
                    return;
                }
                if (verbose > 0) {
                    out.println(String.format(Locale.ROOT, "Epoch %d: %s improved from %s to %.5f, saving model to %s",
                            epoch + 1, monitor.name, bestText, current, path));
                }
                best = current;
            }
            // Keras saves anyway when the monitored value is missing (after the warning).
        } else if (verbose > 0) {
            out.println("Epoch " + (epoch + 1) + ": saving model to " + path);
        }
        save(path, epoch, logs);
    }

    private void save(Path path, int epoch, Map<String, Double> logs) {
        try {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            Map<String, Double> copy = logs == null ? Map.of() : new LinkedHashMap<>(logs);
            if (saveTrainingState) {
                Checkpoint.save(model, epoch + 1, path, copy);
            } else {
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("epochs", epoch + 1);
                info.put("logs", copy);
                ModelFile.save(model, path, info);
            }
            saved.add(path);
        } catch (IOException e) {
            throw new UncheckedIOException("ModelCheckpoint: cannot save the model after epoch " + (epoch + 1) + " to " + path + ": " + e.getMessage(), e);
        }
    }

    /** Accepts any field name with a sample value of either kind, to check a template's syntax up front. */
    private static final class FieldCheck extends java.util.AbstractMap<String, Object> {
        @Override
        public boolean containsKey(Object key) {
            return true;
        }

        @Override
        public Object get(Object key) {
            return "epoch".equals(key) ? (Object) 1 : (Object) 0.5;
        }

        @Override
        public java.util.Set<Entry<String, Object>> entrySet() {
            return java.util.Set.of();
        }
    }
}
