package dev.myelin.nn.callbacks;

import dev.myelin.nn.Model;

import java.util.Map;

/**
 * Hooks into {@code Model.fit}, as Keras callbacks: every method has an empty default, so a
 * callback overrides only what it needs. {@code logs} map names ("loss", "accuracy", "val_loss")
 * to values. Set {@link Model#stopTraining(boolean)} to end training after the current epoch.
 *
 * <pre>{@code model.fit(x, y, new FitOptions().callbacks(new Callback() {
 *     public void onEpochEnd(int epoch, Map<String, Double> logs) { System.out.println(logs); }
 * }));}</pre>
 */
public interface Callback {
    default void setModel(Model model) {}

    default void onTrainBegin() {}

    default void onTrainEnd(Map<String, Double> logs) {}

    default void onEpochBegin(int epoch) {}

    /** After the epoch's validation; {@code logs} holds the epoch's training and validation metrics. */
    default void onEpochEnd(int epoch, Map<String, Double> logs) {}

    default void onBatchBegin(int batch) {}

    /** After each training step; {@code logs} holds "loss" (this batch's) and the running metrics. */
    default void onBatchEnd(int batch, Map<String, Double> logs) {}
}
