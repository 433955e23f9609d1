package dev.myelin.compress;

import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.callbacks.Callback;

import java.util.ArrayList;
import java.util.Map;
import java.util.Set;

/**
 * Gradual magnitude pruning during fine-tuning, as a callback of {@code Model.fit}. Steps count
 * training batches across epochs and fits. Before each batch where the {@link PolynomialDecay}
 * schedule says so, it recomputes the masks from the current weights at the scheduled sparsity
 * (per kernel or with one global threshold) and zeroes what they prune; after every batch (the
 * optimizer has stepped) it zeroes the pruned weights again, so they stay at zero whatever the
 * gradients and the optimizer's momentum say.
 *
 * <pre>{@code
 * var pruning = new PruningCallback(PolynomialDecay.cubic(0f, 0.8f, 0, 500, 50));
 * model.fit(x, y, new FitOptions().epochs(4).callbacks(pruning));
 * }</pre>
 */
public final class PruningCallback implements Callback {
    private final PolynomialDecay schedule;
    private final Pruning.Scope scope;
    private final Set<String> skip;
    private Model model;
    private PruningMasks masks;
    private int step;

    /** Layer-wise masks over every prunable kernel. */
    public PruningCallback(PolynomialDecay schedule) {
        this(schedule, Pruning.Scope.LAYER, Set.of());
    }

    /** Masks with this scope, leaving the layers named in {@code skip} dense. */
    public PruningCallback(PolynomialDecay schedule, Pruning.Scope scope, Set<String> skip) {
        this.schedule = schedule;
        this.scope = scope;
        this.skip = Set.copyOf(skip);
    }

    @Override
    public void setModel(Model m) {
        this.model = m;
    }

    @Override
    public void onBatchBegin(int batch) {
        if (schedule.updatesAt(step)) {
            Map<String, Parameter> kernels = Pruning.prunableKernels(model, skip);
            masks = Pruning.masksFor(new ArrayList<>(kernels.values()), schedule.sparsity(step), scope);
        }
        if (masks != null) masks.apply();
    }

    @Override
    public void onBatchEnd(int batch, Map<String, Double> logs) {
        if (masks != null) masks.apply();
        step++;
    }

    /** Training steps seen so far. */
    public int step() {
        return step;
    }

    /** The current masks, or null before the schedule's first update. */
    public PruningMasks masks() {
        return masks;
    }
}
