package dev.myelin.nn.io;

import dev.myelin.core.DType;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.optimizers.Optimizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything needed to resume training exactly where it stopped: a model file (architecture,
 * weights, metadata; {@link ModelFile#load} reads it as one) plus the optimizer's state (its
 * config, step count, base learning rate and every slot tensor, such as Adam's moments), the
 * epoch to resume from, and the state of the model's training generator (shuffling, dropout).
 * Resuming with the same data, batch size and seed gives the same weights, bit for bit, as
 * training without the break.
 *
 * <pre>{@code
 * Checkpoint.save(model, epoch, Path.of("run.ckpt"));              // after `epoch` epochs
 * // later, in a fresh process: the same architecture, compiled with the same kind of optimizer
 * int start = Checkpoint.restore(model, Path.of("run.ckpt"));
 * model.fit(x, y, new FitOptions().epochs(total).initialEpoch(start));
 * }</pre>
 *
 * <p>Beyond {@link ModelFile}'s sections, a checkpoint holds {@code OPTM}, a safetensors blob of
 * the slot tensors named "weight name/slot name" ("dense/kernel/m"), and {@code TRNS}, UTF-8
 * JSON: {"epoch", "iterations", "learning_rate", "optimizer" (its config), "rng_state" (six
 * 64-bit words as 16-digit hex strings), "logs"}. Its metadata says {@code "kind": "checkpoint"}.
 * A learning-rate schedule is not restored: give the new optimizer the same schedule; the
 * restored step count puts it at the right step.
 */
public final class Checkpoint {
    private Checkpoint() {}

    /** Saves {@code model}'s training state after {@code epoch} completed epochs (the epoch to resume from), atomically. */
    public static void save(Model model, int epoch, Path path) throws IOException {
        save(model, epoch, path, Map.of());
    }

    /** As {@link #save(Model, int, Path)}, also recording the last epoch's logs (loss, metrics). */
    public static void save(Model model, int epoch, Path path, Map<String, Double> logs) throws IOException {
        Optimizer opt = model.optimizer();
        if (opt == null) {
            throw new IllegalStateException("Checkpoint.save: " + model.describe() + " is not compiled; a checkpoint holds the optimizer's state. "
                    + "Use ModelFile.save for the model alone");
        }
        if (epoch < 0) throw new IllegalArgumentException("Checkpoint.save: epoch must be >= 0, got " + epoch);
        Map<String, Parameter> named = ModelFile.weightsByName(model);
        Map<String, Tensor> slotTensors = new LinkedHashMap<>();
        for (var e : named.entrySet()) {
            Map<String, Tensor> slots = opt.slots().get(e.getValue());
            if (slots == null) continue;
            for (var s : new TreeMap<>(slots).entrySet()) {
                if (s.getKey().contains("/")) {
                    throw new IllegalStateException(opt.name() + " optimizer: slot name '" + s.getKey() + "' contains '/', which checkpoints use as a separator");
                }
                slotTensors.put(e.getKey() + "/" + s.getKey(), s.getValue());
            }
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("epoch", epoch);
        state.put("iterations", opt.iterations());
        state.put("learning_rate", (double) opt.learningRate());
        state.put("optimizer", opt.config());
        List<Object> rng = new ArrayList<>();
        for (long w : model.trainingRng().state()) rng.add(String.format("%016x", w));
        state.put("rng_state", rng);
        state.put("logs", logs == null ? Map.of() : logs);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("epochs", epoch);
        if (logs != null && !logs.isEmpty()) info.put("logs", logs);
        Map<String, String> stMeta = Map.of("format", "myelin-optimizer-slots", "optimizer", opt.name());
        SafeTensors.Encoded slotBlob = SafeTensors.encode(slotTensors, stMeta);
        byte[] stateJson = Json.write(state, true);
        ModelFile.write(model, path, "checkpoint", "Checkpoint.save", info, w -> {
            w.section(Container.OPTIMIZER, slotBlob.size(), slotBlob::writeTo);
            w.section(Container.TRAINING, stateJson);
        });
    }

    /**
     * Restores weights, optimizer state (slots, step count, base learning rate) and the training
     * generator into {@code model}, which must have the checkpoint's architecture and be compiled
     * with the same kind of optimizer; returns the epoch to resume from (pass it to
     * {@code FitOptions.initialEpoch}). Everything is checked before anything changes.
     */
    public static int restore(Model model, Path path) throws IOException {
        Optimizer opt = model.optimizer();
        if (opt == null) {
            throw new IllegalStateException("Checkpoint.restore: compile " + model.describe()
                    + " with the same kind of optimizer first; the checkpoint's optimizer state goes into it");
        }
        try (Container.Reader r = Container.Reader.open(path)) {
            Container.Section trns = r.find(Container.TRAINING);
            if (trns == null) {
                throw new ModelFileException(path, "is a model file without training state (no '" + Container.TRAINING
                        + "' section); Checkpoint.restore needs a file written by Checkpoint.save. ModelFile.loadWeights reads its weights");
            }
            Map<String, Object> state = r.json(trns);
            int epoch = (int) number(state, "epoch", path, 0, Integer.MAX_VALUE);
            long iterations = number(state, "iterations", path, 0, Long.MAX_VALUE);
            if (!(state.get("learning_rate") instanceof Number lrNum) || !(lrNum.doubleValue() > 0) || Double.isInfinite(lrNum.doubleValue())) {
                throw new ModelFileException(path, "training state: 'learning_rate' must be a positive number, got " + state.get("learning_rate"));
            }
            float lr = lrNum.floatValue();
            String savedName = state.get("optimizer") instanceof Map<?, ?> cfg && cfg.get("name") instanceof String s ? s : null;
            if (savedName == null) throw new ModelFileException(path, "training state: 'optimizer' must be an object with a 'name'");
            if (!savedName.equals(opt.name())) {
                throw new ModelFileException(path, "holds the state of a '" + savedName + "' optimizer, but " + model.describe()
                        + " is compiled with '" + opt.name() + "'; compile it with the same kind of optimizer to resume");
            }
            long[] rng = rngState(state.get("rng_state"), path);

            Map<String, Tensor> weights = r.safetensors(r.require(Container.WEIGHTS, "the weights")).tensors();
            Map<String, Parameter> named = ModelFile.checkWeights(model, weights, path);
            Map<String, Tensor> slotTensors = r.safetensors(r.require(Container.OPTIMIZER, "the optimizer's slot tensors")).tensors();
            Map<Parameter, Map<String, Tensor>> slots = new LinkedHashMap<>();
            for (var e : slotTensors.entrySet()) {
                String key = e.getKey();
                int cut = key.lastIndexOf('/');
                Parameter p = cut < 0 ? null : named.get(key.substring(0, cut));
                if (p == null) {
                    throw new ModelFileException(path, "optimizer slot '" + key + "' belongs to no weight of the model; expected 'weight name/slot name' with a weight among "
                            + named.keySet());
                }
                if (e.getValue().dtype() != DType.FLOAT32) {
                    throw new ModelFileException(path, "optimizer slot '" + key + "' is stored as " + e.getValue().dtype() + "; expected float32 (F32)");
                }
                slots.computeIfAbsent(p, k -> new HashMap<>()).put(key.substring(cut + 1), e.getValue());
            }

            // All checked. The rate goes first: an optimizer that follows a schedule refuses a new
            // base rate, and then nothing else has changed.
            if (opt.learningRate() != lr) {
                try {
                    opt.setLearningRate(lr);
                } catch (IllegalStateException e) {
                    throw new IllegalStateException("Checkpoint.restore: " + path + " was saved with base learning rate " + lr
                            + ", but " + e.getMessage(), e);
                }
            }
            for (var e : named.entrySet()) e.getValue().assign(weights.get(e.getKey()));
            Map<Parameter, Map<String, Tensor>> live = opt.slots();
            for (Parameter p : named.values()) live.remove(p);
            live.putAll(slots);
            opt.setIterations(iterations);
            model.trainingRng().setState(rng);
            return epoch;
        }
    }

    /** The training state of a checkpoint (the TRNS JSON: epoch, iterations, learning_rate, optimizer, rng_state, logs). */
    public static Map<String, Object> trainingState(Path path) throws IOException {
        try (Container.Reader r = Container.Reader.open(path)) {
            return r.json(r.require(Container.TRAINING, "the training state; written by Checkpoint.save"));
        }
    }

    private static long number(Map<String, Object> state, String key, Path path, long min, long max) throws ModelFileException {
        Object o = state.get(key);
        if (o instanceof Number n && n.doubleValue() == n.longValue() && n.longValue() >= min && n.longValue() <= max) return n.longValue();
        throw new ModelFileException(path, "training state: '" + key + "' must be an integer from " + min + " to " + max + ", got " + o);
    }

    private static long[] rngState(Object o, Path path) throws ModelFileException {
        if (o instanceof List<?> l && l.size() == 6) {
            long[] s = new long[6];
            try {
                for (int i = 0; i < 6; i++) s[i] = Long.parseUnsignedLong((String) l.get(i), 16);
                return s;
            } catch (RuntimeException ignored) {
                // fall through to the error
            }
        }
        throw new ModelFileException(path, "training state: 'rng_state' must be 6 hexadecimal strings, got " + o);
    }
}
