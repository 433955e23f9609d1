package dev.myelin.cli;

import dev.myelin.compress.ModelSizes;
import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Model;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.metrics.Metric;
import dev.myelin.nn.metrics.Metrics;
import dev.myelin.nn.optimizers.SGD;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code myelin compare -m original.myelin compressed.myelin... --data ...}: size, accuracy and latency side by side. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare a model with its compressed forms on the same test data: file size, the first metric the original was "
                + "trained with (accuracy for classifiers, else the loss), and the latency of one forward pass at batch 1 and batch 32 "
                + "(median of --runs timed runs after --warmup untimed ones, one thread of the process's pool as configured).",
                "Ratios are against the first model: 'smaller' = its size / this size, 'speedup' = its latency / this latency.",
                "MNIST sources default to the test split."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin compare -m cnn.myelin cnn-int8.myelin cnn-pruned.myelin --data mnist",
                "  myelin compare -m iris.myelin iris-int8.myelin --data iris-test.csv --runs 200"})
final class CompareCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Spec
    CommandSpec command;

    @Option(names = {"-m", "--models"}, required = true, arity = "2..*", paramLabel = "FILE",
            description = "The original model file, then one or more compressed forms of it.")
    List<Path> models;

    @Mixin
    DataOptions data;

    @Option(names = "--runs", paramLabel = "N", description = "Timed forward passes per model and batch size (default: ${DEFAULT-VALUE}).")
    int runs = 50;

    @Option(names = "--warmup", paramLabel = "N", description = "Untimed passes first, for the JIT (default: ${DEFAULT-VALUE}).")
    int warmup = 20;

    @Option(names = "--warmup-seconds", paramLabel = "S",
            description = "Keep warming up for at least this long: on a busy machine the JIT may take seconds to compile the int8 kernels (default: ${DEFAULT-VALUE}).")
    double warmupSeconds = 2;

    @Option(names = "--batch-size", paramLabel = "N", description = "Samples per step when measuring the metric (default: ${DEFAULT-VALUE}).")
    int batchSize = 256;

    /** One row of the table. */
    record Row(String name, long bytes, String metric, double value, double b1Micros, double b32Micros) {}

    @Override
    public Integer call() throws Exception {
        var cl = command.commandLine();
        data.validate(cl, false);
        if (runs < 1) throw new ParameterException(cl, "--runs must be at least 1, got " + runs);
        if (warmup < 0) throw new ParameterException(cl, "--warmup must be >= 0, got " + warmup);
        if (!(warmupSeconds >= 0)) throw new ParameterException(cl, "--warmup-seconds must be >= 0, got " + warmupSeconds);
        if (batchSize < 1) throw new ParameterException(cl, "--batch-size must be at least 1, got " + batchSize);
        List<EvaluateCommand.Loaded> loaded = new ArrayList<>();
        for (Path p : models) loaded.add(EvaluateCommand.Loaded.read(p));
        Task task = loaded.getFirst().task();
        if (data.labelColumn == null && task.labelColumn() != null && data.mnistDir() == null) data.labelColumn = task.labelColumn();
        if (data.mnistDir() == null && data.labelColumn == null) throw new ParameterException(cl, "a CSV file needs --label-column NAME: the column that holds the labels");
        Loss loss = task.loss();
        if (loss == null) throw new IllegalArgumentException(models.getFirst() + ": the file records no loss (saved before compile), so there is nothing to measure");
        String metricName = task.metricNames().isEmpty() ? null : task.metricNames().getFirst();
        DataOptions.Data d = data.load(cl, DataOptions.Split.TEST, task.featureColumns());
        Model first = loaded.getFirst().model();
        Tensor x = d.xFor(first.inputShapes().getFirst());
        Tensor y = task.targets(d, loss, first.outputShapes().getFirst());

        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            Model model = loaded.get(i).model();
            List<Metric> ms = metricName == null ? List.of() : List.of(Metrics.get(metricName, loss));
            model.compile(new SGD(), List.of(loss), ms);
            Map<String, Double> r = model.evaluate(x, y, batchSize);
            String shown = metricName == null ? "loss" : metricName;
            double value = r.getOrDefault(shown, r.get("loss"));
            Tensor x1 = x.slice(0, 0, 1), x32 = x.slice(0, 0, Math.min(32, d.size()));
            rows.add(new Row(models.get(i).getFileName().toString(), Files.size(models.get(i)), shown, value,
                    latencyMicros(model, x1, warmup, warmupSeconds, runs), latencyMicros(model, x32, warmup, warmupSeconds, runs)));
        }
        main.out.printf(Locale.ROOT, "Compared on %,d samples of %s; latency: median of %d runs after %d warm-up (at least %.1f s)%n",
                d.size(), d.description, runs, warmup, warmupSeconds);
        main.out.print(table(rows));
        main.out.flush();
        return 0;
    }

    /** Median microseconds of one inference forward pass over {@code x}, after {@code warmup} untimed passes lasting at least {@code warmupSeconds}. */
    static double latencyMicros(Model model, Tensor x, int warmup, double warmupSeconds, int runs) {
        Tensor c = x.contiguous();
        try (var ignored = GradMode.noGrad()) {
            long until = System.nanoTime() + (long) (warmupSeconds * 1e9);
            for (int i = 0; i < warmup || System.nanoTime() < until; i++) model.apply(c, Context.inference());
            long[] t = new long[runs];
            for (int i = 0; i < runs; i++) {
                long s = System.nanoTime();
                model.apply(c, Context.inference());
                t[i] = System.nanoTime() - s;
            }
            Arrays.sort(t);
            return (runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2.0) / 1e3;
        }
    }

    static String table(List<Row> rows) {
        Row ref = rows.getFirst();
        int w = "model".length();
        for (Row r : rows) w = Math.max(w, r.name().length());
        boolean points = !ref.metric().equals("loss");
        String fmt = "%-" + w + "s  %10s  %7s  %9s  %8s  %10s  %7s  %10s  %7s%n";
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, fmt, "model", "size", "smaller", ref.metric(), points ? "change" : "change", "batch 1", "speedup", "batch 32", "speedup"));
        for (Row r : rows) {
            String change = r == ref ? "" : points ? String.format(Locale.ROOT, "%+.2f pt", 100 * (r.value() - ref.value()))
                    : String.format(Locale.ROOT, "%+.4f", r.value() - ref.value());
            b.append(String.format(Locale.ROOT, fmt, r.name(), ModelSizes.human(r.bytes()), ratio(ref.bytes(), r.bytes()),
                    String.format(Locale.ROOT, "%.4f", r.value()), change,
                    String.format(Locale.ROOT, "%.1f us", r.b1Micros()), ratio(ref.b1Micros(), r.b1Micros()),
                    String.format(Locale.ROOT, "%.1f us", r.b32Micros()), ratio(ref.b32Micros(), r.b32Micros())));
        }
        return b.toString();
    }

    private static String ratio(double reference, double value) {
        return value > 0 ? String.format(Locale.ROOT, "%.2fx", reference / value) : "-";
    }
}
