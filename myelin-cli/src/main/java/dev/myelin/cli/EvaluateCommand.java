package dev.myelin.cli;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.losses.Losses;
import dev.myelin.nn.metrics.Metric;
import dev.myelin.nn.metrics.Metrics;
import dev.myelin.nn.optimizers.SGD;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code myelin evaluate --model FILE --data ...}: the loss and metrics of a saved model on labelled data. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved model on labelled data: prints the loss and the metrics it was compiled with.",
                "MNIST sources default to the test split. For a CSV file the label column defaults to the one the model was trained with."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin evaluate --model cnn.myelin --data mnist",
                "  myelin evaluate --model cnn.myelin --data-dir ~/mnist --split train",
                "  myelin evaluate --model iris.myelin --data iris-test.csv",
                "  myelin evaluate --model saved.myelin --data mnist \\",
                "      --loss sparse_categorical_crossentropy --metrics accuracy"})
final class EvaluateCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Spec
    CommandSpec command;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "A model file saved by 'myelin train' or Model.save.")
    Path modelFile;

    @Mixin
    DataOptions data;

    @Option(names = "--batch-size", paramLabel = "N", description = "Samples per step (default: ${DEFAULT-VALUE}).")
    int batchSize = 128;

    @Option(names = "--loss", paramLabel = "NAME", description = "The loss to report (default: the one the model was trained with).")
    String loss;

    @Option(names = "--metrics", paramLabel = "NAME", split = ",", description = "Metrics to report, comma-separated (default: the model's).")
    List<String> metrics;

    @Override
    public Integer call() throws Exception {
        var cl = command.commandLine();
        data.validate(cl, false);
        if (batchSize < 1) throw new ParameterException(cl, "--batch-size must be at least 1, got " + batchSize);
        Loaded m = Loaded.read(modelFile);
        Task task = m.task;
        if (data.labelColumn == null && task.labelColumn() != null && data.mnistDir() == null) data.labelColumn = task.labelColumn();
        if (data.mnistDir() == null && data.labelColumn == null) {
            throw new ParameterException(cl, "a CSV file needs --label-column NAME: the column that holds the labels");
        }
        Loss lossFn = loss != null ? Losses.get(loss) : task.loss();
        if (lossFn == null) {
            throw new IllegalArgumentException(modelFile + ": the file records no loss (the model was saved before compile); pass --loss NAME");
        }
        task = task.withLoss(lossFn);
        List<Metric> ms = new ArrayList<>();
        for (String name : metrics != null ? metrics : task.metricNames()) ms.add(Metrics.get(name.strip(), lossFn));
        // evaluate needs a compiled model; the optimizer is never stepped
        m.model.compile(new SGD(), List.of(lossFn), ms);

        DataOptions.Data d = data.load(cl, DataOptions.Split.TEST, task.featureColumns());
        int[] outShape = m.model.outputShapes().getFirst();
        Tensor y = task.targets(d, lossFn, outShape);
        Tensor x = d.xFor(m.model.inputShapes().getFirst());
        long start = System.nanoTime();
        Map<String, Double> result = m.model.evaluate(x, y, batchSize);
        double seconds = (System.nanoTime() - start) / 1e9;
        main.out.printf(Locale.ROOT, "Evaluated %s on %,d samples of %s in %.1f s%n", modelFile, d.size(), d.description, seconds);
        main.out.println(Training.format(result));
        main.out.flush();
        return 0;
    }

    /** A model file read for evaluate and predict: the model and the task it records. */
    record Loaded(Model model, Task task, Map<String, Object> metadata) {
        static Loaded read(Path file) throws IOException {
            if (Files.isDirectory(file)) throw new FileNotFoundException(file + ": a folder, not a model file");
            if (!Files.isRegularFile(file)) throw new FileNotFoundException(file + ": no such model file");
            Map<String, Object> meta = ModelFile.metadata(file);
            Model model = ModelFile.load(file);
            if (model.inputShapes() == null || model.inputShapes().size() != 1 || model.outputShapes().size() != 1) {
                throw new IllegalArgumentException(file + ": the model has " + (model.inputShapes() == null ? "unknown" : model.inputShapes().size())
                        + " inputs and " + model.outputShapes().size() + " outputs; the command line handles models with one of each");
            }
            return new Loaded(model, Task.fromMetadata(meta), meta);
        }
    }
}
