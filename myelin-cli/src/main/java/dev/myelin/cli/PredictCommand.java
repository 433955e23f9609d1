package dev.myelin.cli;

import dev.myelin.core.Tensor;
import dev.myelin.nn.io.AtomicFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code myelin predict --model FILE --data ... --output preds.csv}: one CSV row of predictions per sample. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a saved model on data and write its predictions as CSV, one row per sample.",
                "Rows follow the input order; the columns are:",
                "  classifiers: predicted,prob_<class>,...  (class name or id, probabilities)",
                "  binary:      predicted,probability  (of the second class, or of 1)",
                "  regression:  value  (or value_0,value_1,...)",
                "MNIST sources default to the test split. A CSV file needs the feature columns the model was trained on "
                        + "(other columns, such as the label, are ignored); a file without a header gives them by position."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin predict --model cnn.myelin --data mnist --limit 100 -o preds.csv",
                "  myelin predict --model iris.myelin --data new.csv --id-column id -o p.csv",
                "  myelin predict --model houses.myelin --data houses.csv   (CSV to stdout)"})
final class PredictCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Spec
    CommandSpec command;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "A model file saved by 'myelin train' or Model.save.")
    Path modelFile;

    @Mixin
    DataOptions data;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to write the predictions (default: stdout).")
    Path output;

    @Option(names = "--id-column", paramLabel = "NAME", description = "CSV: copy this column into the predictions, as their first column.")
    String idColumn;

    @Option(names = "--batch-size", paramLabel = "N", description = "Samples per step (default: ${DEFAULT-VALUE}).")
    int batchSize = 128;

    @Override
    public Integer call() throws Exception {
        var cl = command.commandLine();
        data.validate(cl, false);
        if (batchSize < 1) throw new ParameterException(cl, "--batch-size must be at least 1, got " + batchSize);
        if (idColumn != null && data.mnistDir() != null) throw new ParameterException(cl, "--id-column is for CSV files");
        EvaluateCommand.Loaded m = EvaluateCommand.Loaded.read(modelFile);
        Task task = m.task();
        DataOptions.Data d = data.load(cl, DataOptions.Split.TEST, task.featureColumns());
        List<String> ids = null;
        if (idColumn != null) ids = d.table.column(idColumn);   // an unknown column lists the columns there are

        Tensor x = d.xFor(m.model().inputShapes().getFirst());
        long start = System.nanoTime();
        Tensor outputs = m.model().predict(x, batchSize);
        double seconds = (System.nanoTime() - start) / 1e9;
        int n = outputs.size(0), k = outputs.numel() / Math.max(1, n);
        float[] p = task.probabilities(outputs).toFloatArray();

        List<String> header = new ArrayList<>();
        if (ids != null) header.add(idColumn);
        header.addAll(task.header(k));
        if (output == null) {
            Writer w = new OutputStreamWriter(main.out, StandardCharsets.UTF_8);
            write(w, header, ids, p, n, k, task);
            w.flush();
            return 0;
        }
        Training.createParent(output);
        try (AtomicFile f = AtomicFile.create(output)) {
            Writer w = new BufferedWriter(java.nio.channels.Channels.newWriter(f.channel(), StandardCharsets.UTF_8));
            write(w, header, ids, p, n, k, task);
            w.flush();
            f.commit();
        }
        String columns = header.size() <= 5 ? String.join(", ", header)
                : String.join(", ", header.subList(0, 3)) + ", ..., " + header.getLast();
        main.out.printf(Locale.ROOT, "Wrote %,d predictions to %s in %.1f s (columns: %s)%n", n, output, seconds, columns);
        main.out.flush();
        return 0;
    }

    private static void write(Writer w, List<String> header, List<String> ids, float[] p, int n, int k, Task task) throws IOException {
        w.write(csvLine(header));
        for (int i = 0; i < n; i++) {
            List<String> row = new ArrayList<>(k + 2);
            if (ids != null) row.add(ids.get(i));
            row.addAll(task.row(p, i * k, k));
            w.write(csvLine(row));
        }
    }

    /** One RFC 4180 line: fields with a comma, quote or line break are quoted, inner quotes doubled. */
    static String csvLine(List<String> fields) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            String f = fields.get(i);
            if (i > 0) b.append(',');
            if (f.indexOf(',') >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) {
                b.append('"').append(f.replace("\"", "\"\"")).append('"');
            } else {
                b.append(f);
            }
        }
        return b.append('\n').toString();
    }
}
