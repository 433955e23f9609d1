package dev.myelin.nn.callbacks;

import dev.myelin.nn.Model;

import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;

/**
 * Stops training as soon as a batch's loss is NaN or infinite, as Keras's {@code TerminateOnNaN}:
 * prints where it happened (epoch and batch, counting from 1) to standard error and asks
 * {@code fit} to stop; the epoch ends there (its logs and the other callbacks still run).
 * {@link #terminatedAt()} gives the place. With {@link #raiseError} it throws an
 * {@link ArithmeticException} instead, ending {@code fit} at once.
 *
 * <pre>{@code model.fit(x, y, new FitOptions().epochs(50).callbacks(new TerminateOnNaN()));}</pre>
 */
public final class TerminateOnNaN implements Callback {

    /** Where the invalid loss appeared: epoch and batch counted from 0, as callbacks receive them, and the loss. */
    public record Place(int epoch, int batch, double loss) {
        /** "epoch 3, batch 17 (counting from 1)". */
        public String describe() {
            return "epoch " + (epoch + 1) + ", batch " + (batch + 1) + " (counting from 1)";
        }
    }

    private final PrintStream err;
    private boolean raiseError;
    private Model model;
    private int epoch;
    private Place place;

    public TerminateOnNaN() {
        this(System.err);
    }

    /** Prints the message to {@code err}. */
    public TerminateOnNaN(PrintStream err) {
        this.err = err;
    }

    /** Throw an ArithmeticException rather than stopping after the epoch. Returns this. */
    public TerminateOnNaN raiseError(boolean value) {
        this.raiseError = value;
        return this;
    }

    /** Where training was terminated, if it was. */
    public Optional<Place> terminatedAt() {
        return Optional.ofNullable(place);
    }

    @Override
    public void setModel(Model m) {
        this.model = m;
    }

    @Override
    public void onTrainBegin() {
        place = null;
    }

    @Override
    public void onEpochBegin(int e) {
        this.epoch = e;
    }

    @Override
    public void onBatchEnd(int batch, Map<String, Double> logs) {
        Double loss = logs == null ? null : logs.get("loss");
        if (loss == null || Double.isFinite(loss)) return;
        place = new Place(epoch, batch, loss);
        String message = "Invalid loss " + loss + " at " + place.describe() + ", terminating training";
        if (raiseError) throw new ArithmeticException(message);
        err.println(message);
        model.stopTraining(true);
    }
}
