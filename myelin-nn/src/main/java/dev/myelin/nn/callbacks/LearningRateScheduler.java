package dev.myelin.nn.callbacks;

import dev.myelin.nn.Model;
import dev.myelin.nn.optimizers.Optimizer;

import java.io.PrintStream;

/**
 * Sets the optimizer's learning rate at the start of every epoch from a function of the epoch
 * (from 0) and the current rate, as Keras's {@code LearningRateScheduler}.
 *
 * <pre>{@code new LearningRateScheduler((epoch, lr) -> epoch < 10 ? lr : lr * Math.exp(-0.1))}</pre>
 */
public final class LearningRateScheduler implements Callback {

    /** The new learning rate for {@code epoch}, given the current one. */
    @FunctionalInterface
    public interface Schedule {
        double learningRate(int epoch, double currentLearningRate);
    }

    private final Schedule schedule;
    private int verbose;
    private PrintStream out = System.out;
    private Model model;

    public LearningRateScheduler(Schedule schedule) {
        if (schedule == null) throw new IllegalArgumentException("LearningRateScheduler: schedule must not be null");
        this.schedule = schedule;
    }

    /** 1 prints the rate set at each epoch. Returns this. */
    public LearningRateScheduler verbose(int level) {
        this.verbose = level;
        return this;
    }

    public LearningRateScheduler printTo(PrintStream messages) {
        this.out = messages;
        return this;
    }

    @Override
    public void setModel(Model m) {
        this.model = m;
    }

    @Override
    public void onEpochBegin(int epoch) {
        Optimizer opt = model == null ? null : model.optimizer();
        if (opt == null) throw new IllegalStateException("LearningRateScheduler needs a compiled model");
        double lr = schedule.learningRate(epoch, opt.learningRate());
        if (!(lr > 0) || Double.isInfinite(lr) || !((float) lr > 0)) {
            throw new IllegalArgumentException("LearningRateScheduler: the schedule returned " + lr + " for epoch " + epoch
                    + "; a learning rate must be a positive, finite float");
        }
        opt.setLearningRate((float) lr);
        if (verbose > 0) out.println("Epoch " + (epoch + 1) + ": LearningRateScheduler setting learning rate to " + (float) lr + ".");
    }
}
