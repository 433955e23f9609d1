package dev.myelin.nn.callbacks;

import dev.myelin.nn.Model;
import dev.myelin.nn.optimizers.Optimizer;

import java.io.PrintStream;
import java.util.Map;

/**
 * Multiplies the learning rate by {@code factor} when a monitored quantity has not improved (by
 * more than {@code minDelta}) for {@code patience} epochs, as Keras's {@code ReduceLROnPlateau};
 * then waits {@code cooldown} epochs before counting again, and never goes below {@code minLr}.
 * AUTO mode maximises names with "acc" (and the like) and minimises everything else.
 *
 * <pre>{@code new ReduceLROnPlateau("val_loss").factor(0.2).patience(5).minLr(1e-5)}</pre>
 */
public final class ReduceLROnPlateau implements Callback {
    private Monitor monitor;
    private double factor = 0.1, minLr = 0;
    private int patience = 10, cooldown = 0, verbose;
    private PrintStream out = System.out, err = System.err;

    private Model model;
    private int wait, cooldownCounter;
    private double best;

    /** Keras's defaults: factor 0.1, patience 10, minDelta 1e-4, cooldown 0, minLr 0, mode AUTO. */
    public ReduceLROnPlateau(String monitor) {
        this.monitor = new Monitor("ReduceLROnPlateau", monitor, Mode.AUTO, 1e-4, Mode.MIN);
    }

    /** new rate = rate * factor; must be in (0, 1). Returns this. */
    public ReduceLROnPlateau factor(double value) {
        if (!(value < 1.0)) throw new IllegalArgumentException("ReduceLROnPlateau does not support a factor >= 1.0, got " + value);
        if (!(value > 0)) throw new IllegalArgumentException("ReduceLROnPlateau: factor must be positive, got " + value);
        this.factor = value;
        return this;
    }

    public ReduceLROnPlateau patience(int epochs) {
        if (epochs < 0) throw new IllegalArgumentException("ReduceLROnPlateau: patience must be >= 0, got " + epochs);
        this.patience = epochs;
        return this;
    }

    /** The least change that counts as an improvement (default 1e-4). Returns this. */
    public ReduceLROnPlateau minDelta(double delta) {
        monitor = monitor.withMinDelta(delta);
        return this;
    }

    /** Epochs to wait after a reduction before counting epochs without improvement again. Returns this. */
    public ReduceLROnPlateau cooldown(int epochs) {
        if (epochs < 0) throw new IllegalArgumentException("ReduceLROnPlateau: cooldown must be >= 0, got " + epochs);
        this.cooldown = epochs;
        return this;
    }

    /** The lower bound of the learning rate. Returns this. */
    public ReduceLROnPlateau minLr(double value) {
        if (!(value >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: minLr must be >= 0, got " + value);
        this.minLr = value;
        return this;
    }

    public ReduceLROnPlateau mode(Mode mode) {
        monitor = monitor.withMode(mode);
        return this;
    }

    /** 1 prints each reduction. Returns this. */
    public ReduceLROnPlateau verbose(int level) {
        this.verbose = level;
        return this;
    }

    public ReduceLROnPlateau printTo(PrintStream messages, PrintStream warnings) {
        this.out = messages;
        this.err = warnings;
        return this;
    }

    /** Epochs since the last improvement (reset by a reduction). */
    public int waitCount() {
        return wait;
    }

    public double best() {
        return best;
    }

    @Override
    public void setModel(Model m) {
        this.model = m;
    }

    @Override
    public void onTrainBegin() {
        best = monitor.worst();
        wait = 0;
        cooldownCounter = 0;
        monitor.resetWarning();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        Double current = monitor.value(logs, err);
        if (current == null) return;
        if (cooldownCounter > 0) {
            cooldownCounter--;
            wait = 0;
        }
        if (monitor.isImprovement(current, best)) {
            best = current;
            wait = 0;
        } else if (cooldownCounter == 0) {
            wait++;
            if (wait >= patience) {
                Optimizer opt = optimizer();
                float old = opt.learningRate();
                if (old > (float) minLr) {
                    float lr = (float) Math.max(old * factor, minLr);
                    if (lr > 0) {
                        opt.setLearningRate(lr);
                        if (verbose > 0) out.println("Epoch " + (epoch + 1) + ": ReduceLROnPlateau reducing learning rate to " + lr + ".");
                    }
                    cooldownCounter = cooldown;
                    wait = 0;
                }
            }
        }
    }

    private Optimizer optimizer() {
        if (model == null || model.optimizer() == null) throw new IllegalStateException("ReduceLROnPlateau needs a compiled model");
        return model.optimizer();
    }
}
