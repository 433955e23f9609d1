package dev.myelin.nn.callbacks;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stops training when a monitored quantity has stopped improving, as Keras's {@code EarlyStopping}.
 * After each epoch: a value better than the best so far by more than {@code minDelta} is an
 * improvement and resets the wait (if it also beats {@code baseline}, when one is set); otherwise
 * the wait grows, and once it reaches {@code patience} training stops after this epoch. With
 * {@code restoreBestWeights}, the weights of the best epoch are put back when training ends.
 *
 * <pre>{@code model.fit(x, y, new FitOptions().epochs(100).validationSplit(0.1f)
 *     .callbacks(new EarlyStopping("val_loss", 5).restoreBestWeights(true)));}</pre>
 */
public final class EarlyStopping implements Callback {
    private Monitor monitor;
    private int patience;
    private double baseline = Double.NaN;
    private boolean restoreBestWeights;
    private int startFromEpoch;
    private int verbose;
    private PrintStream out = System.out, err = System.err;

    private Model model;
    private int wait, stoppedEpoch = -1, bestEpoch = -1;
    private double best;
    private List<float[]> bestWeights;

    /** Monitors {@code monitor} ("val_loss", "accuracy", ...) with patience 0 and mode AUTO. */
    public EarlyStopping(String monitor) {
        this(monitor, 0);
    }

    public EarlyStopping(String monitor, int patience) {
        this.monitor = new Monitor("EarlyStopping", monitor, Mode.AUTO, 0, null);
        patience(patience);
    }

    /** Epochs without improvement before stopping (default 0: stop at the first epoch that does not improve). Returns this. */
    public EarlyStopping patience(int epochs) {
        if (epochs < 0) throw new IllegalArgumentException("EarlyStopping: patience must be >= 0, got " + epochs);
        this.patience = epochs;
        return this;
    }

    /** The least change that counts as an improvement (absolute value used; default 0). Returns this. */
    public EarlyStopping minDelta(double delta) {
        monitor = monitor.withMinDelta(delta);
        return this;
    }

    public EarlyStopping mode(Mode mode) {
        monitor = monitor.withMode(mode);
        return this;
    }

    /** Training also stops if the quantity never gets better than this within {@code patience} epochs. Returns this. */
    public EarlyStopping baseline(double value) {
        this.baseline = value;
        return this;
    }

    /** Puts back the weights from the best epoch when training ends. Returns this. */
    public EarlyStopping restoreBestWeights(boolean value) {
        this.restoreBestWeights = value;
        return this;
    }

    /** Epochs to let pass (warm-up) before monitoring starts. Returns this. */
    public EarlyStopping startFromEpoch(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("EarlyStopping: startFromEpoch must be >= 0, got " + epoch);
        this.startFromEpoch = epoch;
        return this;
    }

    /** 1 prints when it stops and when it restores weights. Returns this. */
    public EarlyStopping verbose(int level) {
        this.verbose = level;
        return this;
    }

    /** Where messages (verbose) and warnings go; defaults are System.out and System.err. Returns this. */
    public EarlyStopping printTo(PrintStream messages, PrintStream warnings) {
        this.out = messages;
        this.err = warnings;
        return this;
    }

    /** The epoch (from 0) after which training was stopped, or -1 if it ran to the end. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** The epoch (from 0) with the best value, or -1 before any. */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The best value seen (infinite before any). */
    public double best() {
        return best;
    }

    /** Epochs since the last improvement. */
    public int waitCount() {
        return wait;
    }

    @Override
    public void setModel(Model m) {
        this.model = m;
    }

    @Override
    public void onTrainBegin() {
        wait = 0;
        stoppedEpoch = -1;
        bestEpoch = -1;
        bestWeights = null;
        best = monitor.worst();
        monitor.resetWarning();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        Double current = monitor.value(logs, err);
        if (current == null || epoch < startFromEpoch) return;
        if (restoreBestWeights && bestWeights == null) {
            // Nothing better seen yet: the current weights are the best.
            bestWeights = snapshot(model);
            bestEpoch = epoch;
        }
        wait++;
        if (monitor.isImprovement(current, best)) {
            best = current;
            bestEpoch = epoch;
            if (restoreBestWeights) bestWeights = snapshot(model);
            // Only restart the wait when we beat both the baseline and the previous best.
            if (Double.isNaN(baseline) || monitor.isImprovement(current, baseline)) wait = 0;
            return;
        }
        if (wait >= patience && epoch > 0) {
            stoppedEpoch = epoch;
            model.stopTraining(true);
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        if (stoppedEpoch >= 0 && verbose > 0) out.println("Epoch " + (stoppedEpoch + 1) + ": early stopping");
        if (restoreBestWeights && bestWeights != null) {
            if (verbose > 0) out.println("Restoring model weights from the end of the best epoch: " + (bestEpoch + 1) + ".");
            List<Parameter> ws = model.weights();
            for (int i = 0; i < ws.size(); i++) ws.get(i).assign(Tensor.wrap(bestWeights.get(i), ws.get(i).shape()));
        }
    }

    static List<float[]> snapshot(Model model) {
        List<float[]> copy = new ArrayList<>();
        for (Parameter p : model.weights()) copy.add(p.value().toFloatArray());
        return copy;
    }
}
