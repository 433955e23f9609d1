package dev.myelin.nn.callbacks;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Prints training progress, as Keras's {@code verbose} does. On a terminal it draws a progress bar
 * per epoch, redrawn in place with a carriage return at most ten times a second:
 *
 * <pre>
 * Epoch 3/10
 * 234/469 [==============&gt;...............] - ETA: 12s - loss: 0.1234 - accuracy: 0.9650
 * </pre>
 *
 * and ends the epoch with the bar full, the epoch's time, the time per training step and every
 * epoch metric: {@code 469/469 [==============================] - 25s 53ms/step - loss: 0.1180 -
 * accuracy: 0.9662 - val_loss: 0.1020 - val_accuracy: 0.9700}. When the output is not a terminal
 * (a log file, CI, a stream given by the caller) it prints one plain line per epoch instead:
 * {@code Epoch 3/10 - 25.1s - loss: 0.1180 - accuracy: 0.9662 - val_loss: ...}. With an unknown
 * number of batches per epoch (-1) the bar shows the steps so far ({@code 57/Unknown - 3s
 * 53ms/step - ...}). While the epoch runs, "loss" is the running mean of the batch losses and the
 * metrics are their running values; the closing line shows the epoch's logs as {@code fit} computed
 * them. Values are printed as Keras prints them: four decimals, or four significant digits in
 * exponent form at or below 1e-3 in magnitude. The learning rate is not printed.
 *
 * <pre>{@code model.fit(x, y, new FitOptions().epochs(10).verbose(0).callbacks(new ProgressLogger(10, 469, System.out, true)));}</pre>
 */
public final class ProgressLogger implements Callback {
    /** Characters between the brackets of the bar. */
    static final int BAR_WIDTH = 30;
    /** The shortest time between two redraws of the bar: about ten a second at most. */
    static final long REDRAW_INTERVAL_NANOS = 100_000_000L;

    private final int epochs;
    private final int target;
    private final PrintStream out;
    private final boolean progressBar;
    private LongSupplier clock = System::nanoTime;

    // The epoch under way.
    private long epochStart, firstStepEnd, lastStepEnd, lastDraw;
    private int steps;
    private double lossSum;
    private int lossCount;
    private int drawnWidth;

    /**
     * Writes to {@code System.out}: a progress bar when it is a terminal ({@link #terminalAttached()}),
     * otherwise a line per epoch. {@code batchesPerEpoch} is -1 when unknown.
     */
    public ProgressLogger(int epochs, int batchesPerEpoch) {
        this(epochs, batchesPerEpoch, System.out, terminalAttached());
    }

    /** One plain line per epoch to {@code out}. */
    public ProgressLogger(int epochs, PrintStream out) {
        this(epochs, -1, out, false);
    }

    /**
     * A progress bar ({@code progressBar} true; {@code out} should be a terminal that honours a
     * carriage return) or one line per epoch. {@code batchesPerEpoch} is -1 (or 0) when unknown.
     */
    public ProgressLogger(int epochs, int batchesPerEpoch, PrintStream out, boolean progressBar) {
        if (epochs < 1) throw new IllegalArgumentException("ProgressLogger: epochs must be at least 1, got " + epochs);
        if (out == null) throw new IllegalArgumentException("ProgressLogger: the output stream must not be null");
        this.epochs = epochs;
        this.target = batchesPerEpoch > 0 ? batchesPerEpoch : -1;
        this.out = out;
        this.progressBar = progressBar;
    }

    /**
     * Whether {@code System.out} is an interactive terminal that can redraw a line: the JVM has a
     * console that is a terminal, and {@code TERM} is not "dumb".
     */
    public static boolean terminalAttached() {
        Console c = System.console();
        return c != null && c.isTerminal() && !"dumb".equals(System.getenv("TERM"));
    }

    /** Reads time from this source of nanoseconds instead of {@link System#nanoTime} (for tests and replays). Returns this. */
    public ProgressLogger clock(LongSupplier nanoTime) {
        if (nanoTime == null) throw new IllegalArgumentException("ProgressLogger: the clock must not be null");
        this.clock = nanoTime;
        return this;
    }

    /** Whether this logger draws a progress bar (rather than a line per epoch). */
    public boolean progressBar() {
        return progressBar;
    }

    @Override
    public void onEpochBegin(int epoch) {
        epochStart = clock.getAsLong();
        steps = 0;
        lossSum = 0;
        lossCount = 0;
        drawnWidth = 0;
        if (progressBar) {
            out.println("Epoch " + (epoch + 1) + "/" + epochs);
            out.flush();
        }
    }

    @Override
    public void onBatchEnd(int batch, Map<String, Double> logs) {
        steps++;
        if (!progressBar) return;
        long now = clock.getAsLong();
        if (steps == 1) firstStepEnd = now;
        lastStepEnd = now;
        Double loss = logs.get("loss");
        if (loss != null) {
            lossSum += loss;
            lossCount++;
        }
        if (steps > 1 && now - lastDraw < REDRAW_INTERVAL_NANOS) return;
        lastDraw = now;
        StringBuilder b = new StringBuilder(counterAndBar(steps));
        if (target < 0) {
            b.append(" - ").append(seconds(now - epochStart)).append(perStep(now));
        } else {
            b.append(" - ETA: ").append(eta(stepNanos(now) * Math.max(0, target - steps)));
        }
        for (var e : logs.entrySet()) {
            if (e.getKey().equals("learning_rate")) continue;
            double v = e.getKey().equals("loss") && lossCount > 0 ? lossSum / lossCount : e.getValue();
            appendValue(b, e.getKey(), v);
        }
        redraw(b.toString(), false);
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        long now = clock.getAsLong();
        StringBuilder b = new StringBuilder();
        if (progressBar) {
            b.append(counterAndBar(steps)).append(" - ").append(seconds(now - epochStart));
            if (steps > 0) b.append(perStepText((lastStepEnd - epochStart) / (double) steps));
        } else {
            b.append("Epoch ").append(epoch + 1).append('/').append(epochs);
            b.append(String.format(Locale.ROOT, " - %.1fs", (now - epochStart) / 1e9));
        }
        for (var e : logs.entrySet()) {
            if (e.getKey().equals("learning_rate")) continue;
            appendValue(b, e.getKey(), e.getValue());
        }
        if (progressBar) {
            redraw(b.toString(), true);
        } else {
            out.println(b);
            out.flush();
        }
    }

    /** Rewrites the current line, padding with spaces over what a longer previous line left. */
    private void redraw(String line, boolean finish) {
        StringBuilder b = new StringBuilder().append('\r').append(line);
        if (drawnWidth > line.length()) b.append(" ".repeat(drawnWidth - line.length()));
        drawnWidth = line.length();
        if (finish) b.append(System.lineSeparator());
        out.print(b);
        out.flush();
    }

    /** "234/469 [=========>....................]", or "    234/Unknown" when the target is unknown. */
    private String counterAndBar(int current) {
        if (target < 0) return String.format(Locale.ROOT, "%7d/Unknown", current);
        int digits = Integer.toString(target).length();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%" + digits + "d/%d [", current, target));
        double progress = Math.min(1.0, current / (double) target);
        int filled = (int) (BAR_WIDTH * progress);
        if (filled > 0) {
            b.append("=".repeat(filled - 1)).append(current < target ? '>' : '=');
        }
        b.append(".".repeat(BAR_WIDTH - filled)).append(']');
        return b.toString();
    }

    /**
     * Nanoseconds per step so far, leaving out the first step (which pays for warm-up) once there
     * are others, as Keras estimates it.
     */
    private double stepNanos(long now) {
        if (steps > 1) return (now - firstStepEnd) / (double) (steps - 1);
        return (now - epochStart) / (double) Math.max(1, steps);
    }

    private String perStep(long now) {
        return perStepText(stepNanos(now));
    }

    /** " 53ms/step", " 2s/step" or " 740us/step", as Keras formats a time per step. */
    static String perStepText(double nanos) {
        double s = nanos / 1e9;
        if (s >= 1 || s == 0) return String.format(Locale.ROOT, " %.0fs/step", s);
        if (s >= 1e-3) return String.format(Locale.ROOT, " %.0fms/step", s * 1e3);
        return String.format(Locale.ROOT, " %.0fus/step", s * 1e6);
    }

    /** "25s": whole seconds. */
    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.0fs", nanos / 1e9);
    }

    /** "12s", "3:05" or "1:02:09", as Keras formats an ETA. */
    static String eta(double nanos) {
        long s = (long) (nanos / 1e9);
        if (s > 3600) return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60);
        if (s > 60) return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        return s + "s";
    }

    /** " - loss: 0.1234", or " - loss: 1.2340e-05" at or below 1e-3 in magnitude, as Keras prints values. */
    static void appendValue(StringBuilder b, String name, Double value) {
        b.append(" - ").append(name).append(": ");
        if (value == null || value.isNaN()) b.append("nan");
        else if (value.isInfinite()) b.append(value > 0 ? "inf" : "-inf");
        else if (Math.abs(value) > 1e-3) b.append(String.format(Locale.ROOT, "%.4f", value));
        else b.append(String.format(Locale.ROOT, "%.4e", value));
    }
}
