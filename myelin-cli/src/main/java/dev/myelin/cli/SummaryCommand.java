package dev.myelin.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.myelin.nn.Model;
import dev.myelin.nn.io.ModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code myelin summary --model FILE}: the layer table and what the file says about itself. */
@Command(name = "summary", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print a saved model's layer table (as Keras's model.summary()) and the file's metadata: "
                + "format and Myelin version, inputs and outputs, how it was trained.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin summary --model cnn.myelin",
                "  myelin summary --model cnn.myelin --metadata   (all metadata, as JSON)"})
final class SummaryCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "A model or checkpoint file.")
    Path modelFile;

    @Option(names = "--metadata", description = "Print the file's whole metadata as JSON after the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (Files.isDirectory(modelFile)) throw new FileNotFoundException(modelFile + ": a folder, not a model file");
        if (!Files.isRegularFile(modelFile)) throw new FileNotFoundException(modelFile + ": no such model file");
        Map<String, Object> meta = ModelFile.metadata(modelFile);
        Model model = ModelFile.load(modelFile);
        PrintStream out = main.out;
        out.print(model.summary());
        out.printf(Locale.ROOT, "File:      %s (%,d bytes), %s format version %s%n", modelFile, Files.size(modelFile),
                meta.getOrDefault("kind", "model"), meta.get("format_version"));
        out.println("Made by:   " + meta.get("created_by"));
        out.println("Made at:   " + meta.get("created_at"));
        out.println("Inputs:    " + signature(meta.get("inputs")));
        out.println("Outputs:   " + signature(meta.get("outputs")));
        if (meta.get("training") instanceof Map<?, ?> t && !t.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (t.get("optimizer") instanceof Map<?, ?> opt) {
                parts.add(opt.get("name") + (opt.get("learning_rate") instanceof Number lr ? " (learning rate " + lr + ")" : ""));
            }
            if (t.get("iterations") != null) parts.add(t.get("iterations") + " steps");
            if (t.get("epochs") != null) parts.add(t.get("epochs") + " epochs");
            if (t.get("losses") instanceof List<?> l && !l.isEmpty()) parts.add("loss " + String.join(", ", l.stream().map(String::valueOf).toList()));
            if (t.get("metrics") instanceof List<?> l && !l.isEmpty()) parts.add("metrics " + String.join(", ", l.stream().map(String::valueOf).toList()));
            if (!parts.isEmpty()) out.println("Training:  " + String.join(", ", parts));
            if (t.get("data") != null) out.println("Data:      " + t.get("data"));
            if (t.get("final_logs") instanceof Map<?, ?> logs && !logs.isEmpty()) {
                StringBuilder b = new StringBuilder();
                for (var e : logs.entrySet()) {
                    if (!b.isEmpty()) b.append(" - ");
                    b.append(e.getKey()).append(": ").append(e.getValue() instanceof Number v ? String.format(Locale.ROOT, "%.4f", v.doubleValue()) : e.getValue());
                }
                out.println("Final:     " + b);
            }
            Task task = Task.fromMetadata(meta);
            if (t.get(Task.KEY) != null) {
                String what = switch (task.kind()) {
                    case CLASSIFICATION -> "classification" + (task.classNames() != null ? ", classes " + Task.few(task.classNames()) : "");
                    case BINARY -> "binary classification" + (task.classNames() != null ? ", classes " + task.classNames() : "");
                    case REGRESSION -> "regression";
                };
                out.println("Task:      " + what + (task.labelColumn() != null ? ", label column '" + task.labelColumn() + "'" : ""));
                if (task.featureColumns() != null) out.println("Features:  " + Task.few(task.featureColumns()));
            }
        }
        if (json) out.println(JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(meta));
        out.flush();
        return 0;
    }

    /** "input_layer (-1, 28, 28, 1) float32". */
    private static String signature(Object o) {
        if (!(o instanceof List<?> list)) return "?";
        List<String> parts = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> m)) continue;
            String shape = m.get("shape") instanceof List<?> s
                    ? "(" + String.join(", ", s.stream().map(v -> v instanceof Number num && num.intValue() == -1 ? "None" : String.valueOf(v)).toList()) + ")"
                    : "(unknown shape)";
            parts.add(m.get("name") + " " + shape + " " + m.get("dtype"));
        }
        return String.join("; ", parts);
    }
}
