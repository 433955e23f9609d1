package dev.myelin.cli;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code myelin train SPEC --data ... --output FILE}: builds the spec's model, fits it, saves it, prints the final metrics. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model described by a spec file (JSON or YAML) or a built-in spec on MNIST or CSV data, "
                + "save it, and print the final metrics.",
                "Command-line settings override the spec's 'fit' and 'compile.learning_rate'."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin train mnist-cnn --data mnist --output cnn.myelin",
                "  myelin train mnist-mlp --data-dir ~/fashion-mnist --epochs 3 -o f.myelin",
                "  myelin train examples/specs/tabular-classifier.yaml \\",
                "      --data iris.csv --label-column species --output iris.myelin",
                "  myelin train spec.json --data houses.csv --label-column price \\",
                "      --epochs 50 --csv-log runs/houses/log.csv -o houses.myelin",
                "",
                "Built-in specs: mnist-mlp, mnist-cnn (see examples/specs).",
                "The spec format: docs/spec-files.md."})
final class TrainCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Spec
    CommandSpec command;

    @Parameters(index = "0", paramLabel = "SPEC", description = "A spec file (.json, .yaml, .yml) or a built-in spec name: mnist-mlp, mnist-cnn.")
    String specName;

    @Mixin
    DataOptions data;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to save the trained model (default: ${DEFAULT-VALUE}).")
    Path output = Path.of("model.myelin");

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs to train (default: the spec's fit.epochs).")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "Samples per training step (default: the spec's fit.batch_size).")
    Integer batchSize;

    @Option(names = "--validation-split", paramLabel = "F",
            description = "The fraction of the samples, taken from the end, held out to validate on after each epoch (default: the spec's).")
    Float validationSplit;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "The optimizer's learning rate (default: the spec's).")
    Float learningRate;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for weights, shuffling and dropout (default: the spec's seed, else 42).")
    Long seed;

    @Option(names = "--csv-log", paramLabel = "FILE", description = "Also write each epoch's metrics to this CSV file.")
    Path csvLog;

    @Override
    public Integer call() throws Exception {
        var cl = command.commandLine();
        data.validate(cl, true);
        if (epochs != null && epochs < 1) throw new ParameterException(cl, "--epochs must be at least 1, got " + epochs);
        if (batchSize != null && batchSize < 1) throw new ParameterException(cl, "--batch-size must be at least 1, got " + batchSize);
        if (validationSplit != null && (validationSplit < 0 || validationSplit >= 1)) {
            throw new ParameterException(cl, "--validation-split must be in [0, 1), got " + validationSplit);
        }
        if (learningRate != null && !(learningRate > 0)) throw new ParameterException(cl, "--learning-rate must be positive, got " + learningRate);

        PrintStream out = main.out;
        Spec spec = Spec.resolve(specName);
        Training.Settings settings = Training.Settings.of(spec, epochs, batchSize, validationSplit, seed, learningRate, csvLog);
        DataOptions.Data d = data.load(cl, DataOptions.Split.TRAIN, null);
        Model model = Training.compiled(spec, settings, d);
        Training.Prepared prepared = Training.prepare(spec, settings, model, d);
        if (csvLog != null) Training.createParent(csvLog);
        out.println("Spec: " + spec.source + (spec.description != null ? " - " + spec.description : ""));
        out.println("Data: " + d.description + ", " + String.format(Locale.ROOT, "%,d", d.size()) + " samples");
        out.print(model.summary());
        String stem = output.getFileName().toString().replaceFirst("\\.myelin$", "");
        Path dir = output.toAbsolutePath().getParent();
        Training.Result r = Training.fit(settings, model, prepared, out, dir.resolve(stem + "-logs"));
        Training.save(r, spec, settings, d, output);
        int nVal = r.validationSamples(), n = prepared.x().size(0);
        Tensor xv = nVal > 0 ? prepared.x().slice(0, n - nVal, n) : null, yv = nVal > 0 ? prepared.y().slice(0, n - nVal, n) : null;
        List<Path> pngs = Training.plots(r, dir.resolve(stem + "-curves.png"), dir.resolve(stem + "-confusion.png"), xv, yv);
        out.println("Plots: " + pngs.stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", "))
                + "; TensorBoard logs: " + dir.resolve(stem + "-logs"));
        out.printf(Locale.ROOT, "Trained %d epoch%s in %.1f s%n", model.epochsTrained(), model.epochsTrained() == 1 ? "" : "s", r.seconds());
        out.println("Final metrics: " + Training.format(r.logs()));
        out.println("Saved the model to " + output);
        out.flush();
        return 0;
    }
}
