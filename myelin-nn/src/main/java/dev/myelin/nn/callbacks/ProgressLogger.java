package dev.myelin.nn.callbacks;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** Prints one line per epoch: "Epoch 3/10 - 4.2s - loss: 0.1234 - accuracy: 0.9650 - val_loss: ...". */
public final class ProgressLogger implements Callback {
    private final int epochs;
    private final PrintStream out;
    private long start;

    public ProgressLogger(int epochs, int batchesPerEpoch) {
        this(epochs, System.out);
    }

    public ProgressLogger(int epochs, PrintStream out) {
        this.epochs = epochs;
        this.out = out;
    }

    @Override
    public void onEpochBegin(int epoch) {
        start = System.nanoTime();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        StringBuilder b = new StringBuilder();
        b.append("Epoch ").append(epoch + 1).append('/').append(epochs);
        b.append(String.format(Locale.ROOT, " - %.1fs", (System.nanoTime() - start) / 1e9));
        for (var e : logs.entrySet()) {
            if (e.getKey().equals("learning_rate")) continue;
            b.append(String.format(Locale.ROOT, " - %s: %.4f", e.getKey(), e.getValue()));
        }
        out.println(b);
    }
}
