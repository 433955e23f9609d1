package dev.myelin.cli;

import dev.myelin.compress.PolynomialDecay;
import dev.myelin.compress.Pruning;
import dev.myelin.compress.PruningCallback;
import dev.myelin.core.Tensor;
import dev.myelin.nn.FitOptions;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.callbacks.ProgressLogger;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.metrics.Metric;
import dev.myelin.nn.metrics.Metrics;
import dev.myelin.nn.optimizers.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code myelin prune -m in.myelin -o out.myelin --sparsity 0.8 --epochs 2 --data ...}: magnitude pruning with fine-tuning, saved compactly. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune a saved model by weight magnitude, fine-tune it, and save it compactly.",
                "Unstructured (default): the smallest kernel weights of Dense and convolution layers become zero, rising to --sparsity along a "
                        + "cubic schedule over the first 70% of the fine-tuning steps (Zhu and Gupta 2017), then held while training recovers; "
                        + "pruned kernels are saved as a bitmask plus their nonzero values (about 4x smaller at 80%).",
                "--structured: whole units and filters with the smallest L1 norm go (a --sparsity fraction of each layer that can lose them); "
                        + "the model really shrinks, then fine-tunes. Sequential models only.",
                "--epochs 0 prunes in one shot, without data. Fine-tuning uses Adam on the training labels (MNIST: the training split)."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin prune -m mlp.myelin -o mlp-pruned.myelin --sparsity 0.8 --epochs 2 --data mnist",
                "  myelin prune -m cnn.myelin -o cnn-p.myelin --sparsity 0.9 --scope global --skip dense --epochs 3 --data mnist",
                "  myelin prune -m mlp.myelin -o mlp-slim.myelin --structured --sparsity 0.5 --epochs 1 --data mnist",
                "  myelin prune -m iris.myelin -o iris-p.myelin --sparsity 0.5 --epochs 0",
                "  myelin compare -m mlp.myelin mlp-pruned.myelin --data mnist"})
final class PruneCommand implements Callable<Integer> {
    enum Scope { LAYER, GLOBAL }

    @ParentCommand
    Main main;

    @picocli.CommandLine.Spec
    CommandSpec command;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "The float model file to prune.")
    Path modelFile;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Where to write the pruned model.")
    Path output;

    @Option(names = "--sparsity", required = true, paramLabel = "S", description = "Fraction of kernel weights (or, --structured, of units/filters) to remove, in [0, 1).")
    float sparsity;

    @Option(names = "--structured", description = "Remove whole units and filters instead of single weights.")
    boolean structured;

    @Option(names = "--scope", paramLabel = "layer|global", description = "Unstructured: each kernel reaches the sparsity, or one threshold over all (default: ${DEFAULT-VALUE}).")
    Scope scope = Scope.LAYER;

    @Option(names = "--skip", paramLabel = "LAYER", split = ",", description = "Layers to leave unpruned, comma-separated names (see 'myelin summary').")
    List<String> skip = new ArrayList<>();

    @Option(names = "--epochs", paramLabel = "N", description = "Fine-tuning epochs (default: ${DEFAULT-VALUE}; 0 prunes without training).")
    int epochs = 2;

    @Option(names = "--batch-size", paramLabel = "N", description = "Fine-tuning batch size (default: ${DEFAULT-VALUE}).")
    int batchSize = 128;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "Adam's learning rate for fine-tuning (default: ${DEFAULT-VALUE}).")
    float learningRate = 5e-4f;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the shuffling (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        var cl = command.commandLine();
        if (!(sparsity >= 0 && sparsity < 1)) throw new ParameterException(cl, "--sparsity must be in [0, 1), got " + sparsity);
        if (epochs < 0) throw new ParameterException(cl, "--epochs must be >= 0, got " + epochs);
        if (batchSize < 1) throw new ParameterException(cl, "--batch-size must be at least 1, got " + batchSize);
        if (!(learningRate > 0)) throw new ParameterException(cl, "--learning-rate must be positive, got " + learningRate);
        if (structured && scope == Scope.GLOBAL) throw new ParameterException(cl, "--scope is for unstructured pruning; --structured prunes each layer by its own fraction");
        boolean hasData = data.data != null || data.dataDir != null;
        if (epochs > 0 && !hasData) throw new ParameterException(cl, "fine-tuning needs labelled data: --data mnist, --data FILE.csv or --data-dir DIR (or --epochs 0)");
        if (epochs == 0 && hasData) throw new ParameterException(cl, "--epochs 0 prunes without training; the data would not be used");
        if (modelFile.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
            throw new ParameterException(cl, "--output must differ from --model: keep the float model to compare against");
        }

        EvaluateCommand.Loaded m = EvaluateCommand.Loaded.read(modelFile);
        Model model = m.model();
        Set<String> names = new LinkedHashSet<>();
        for (var l : model.layers()) names.add(l.name());
        for (String s : skip) if (!names.contains(s)) throw new IllegalArgumentException("--skip: no layer named '" + s + "'; layers: " + names);
        Set<String> skipped = Set.copyOf(skip);
        Pruning.Scope ps = scope == Scope.GLOBAL ? Pruning.Scope.GLOBAL : Pruning.Scope.LAYER;

        if (structured) {
            if (!(model instanceof Sequential seq)) throw new IllegalArgumentException(modelFile + ": --structured prunes Sequential models; this is a " + model.className());
            long before = model.countParams();
            model = Pruning.structured(seq, sparsity, skipped);
            main.out.printf(Locale.ROOT, "Removed %.0f%% of the units and filters: %,d -> %,d parameters%n", 100 * sparsity, before, model.countParams());
        }

        Map<String, Object> info = new LinkedHashMap<>();
        info.put("method", structured ? "structured_l1" : "magnitude");
        info.put("sparsity", (double) sparsity);
        if (!structured) info.put("scope", scope.name().toLowerCase(Locale.ROOT));
        info.put("fine_tuning_epochs", epochs);
        if (epochs > 0) {
            data.validate(cl, false);
            Task task = m.task();
            if (data.labelColumn == null && task.labelColumn() != null && data.mnistDir() == null) data.labelColumn = task.labelColumn();
            if (data.mnistDir() == null && data.labelColumn == null) throw new ParameterException(cl, "a CSV file needs --label-column NAME: the column that holds the labels");
            Loss loss = task.loss();
            if (loss == null) throw new IllegalArgumentException(modelFile + ": the file records no loss (the model was saved before compile), so it cannot be fine-tuned");
            List<Metric> metrics = new ArrayList<>();
            for (String name : task.metricNames()) metrics.add(Metrics.get(name.strip(), loss));
            model.compile(new Adam(learningRate), List.of(loss), metrics);
            DataOptions.Data d = data.load(cl, DataOptions.Split.TRAIN, task.featureColumns());
            Tensor x = d.xFor(model.inputShapes().getFirst());
            Tensor y = task.targets(d, loss, model.outputShapes().getFirst());
            int steps = epochs * ((d.size() + batchSize - 1) / batchSize);
            FitOptions fo = new FitOptions().epochs(epochs).batchSize(batchSize).shuffle(true).verbose(0)
                    .callbacks(new ProgressLogger(epochs, main.out));
            if (!structured) {
                // ramp over the first 70% of the steps (at least one), masks updated 16 times on the way
                int end = Math.max(1, (int) (0.7 * steps));
                fo.callbacks(new PruningCallback(PolynomialDecay.cubic(0f, sparsity, 0, end, Math.max(1, end / 16)), ps, skipped));
            }
            model.seed(seed);
            main.out.printf(Locale.ROOT, "Fine-tuning on %,d samples of %s, %d epoch%s of batches of %d%n", d.size(), d.description,
                    epochs, epochs == 1 ? "" : "s", batchSize);
            main.out.flush();
            History h = model.fit(x, y, fo);
            Map<String, Double> logs = new LinkedHashMap<>();
            for (var e : h.all().entrySet()) if (!e.getKey().equals("learning_rate") && !e.getValue().isEmpty()) logs.put(e.getKey(), e.getValue().getLast());
            info.put("data", d.description);
            info.put("final_logs", logs);
        }
        if (!structured) {
            Pruning.magnitude(model, sparsity, ps, skipped);   // exactly the final sparsity (fine-tuning ends there already; one-shot starts here)
            main.out.printf(Locale.ROOT, "Kernel sparsity: %.1f%%%s%n", 100 * Pruning.sparsity(model),
                    skipped.isEmpty() ? "" : " (unpruned: " + String.join(", ", skipped) + ")");
            model = Pruning.compact(model);
        }
        QuantizeCommand.save(model, m, modelFile, output, info);
        main.out.println(dev.myelin.compress.ModelSizes.compare(modelFile, output));
        main.out.flush();
        return 0;
    }
}
