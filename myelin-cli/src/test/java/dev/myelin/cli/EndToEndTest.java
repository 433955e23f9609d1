package dev.myelin.cli;

import dev.myelin.data.Mnist;
import dev.myelin.nn.io.ModelFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train, save, evaluate, predict and summary through the command, in-process, on tiny data. */
class EndToEndTest {
    @TempDir
    Path dir;

    /** Three well-separated clusters in two features, labelled by name; rows interleaved so any split sees every class. */
    static Path writeClusters(Path file, int rows) throws IOException {
        StringBuilder b = new StringBuilder("x1,x2,species,id\n");
        String[] names = {"setosa", "versicolor", "virginica"};
        float[][] centres = {{-2, 0}, {2, 2}, {2, -2}};
        dev.myelin.core.Rng rng = new dev.myelin.core.Rng(7);
        for (int i = 0; i < rows; i++) {
            int c = i % 3;
            float x1 = centres[c][0] + 0.3f * (rng.nextFloat() - 0.5f), x2 = centres[c][1] + 0.3f * (rng.nextFloat() - 0.5f);
            b.append(String.format(Locale.ROOT, "%.4f,%.4f,%s,row%d%n", x1, x2, names[c], i));
        }
        Files.writeString(file, b);
        return file;
    }

    static final String CLASSIFIER_YAML = """
            # a tiny classifier
            name: clusters
            layers:
              - Dense: {units: 16, activation: relu}
              - class_name: Dense
                config: {units: 3, activation: softmax}
            compile:
              optimizer: adam
              learning_rate: 2e-2
              loss: sparse_categorical_crossentropy
              metrics: [accuracy]
            fit: {epochs: 25, batch_size: 16, validation_split: 0.2}
            """;

    @Test
    void csvClassifierWithClassNames() throws IOException {
        Path csv = writeClusters(dir.resolve("flowers.csv"), 90);
        Path spec = Files.writeString(dir.resolve("spec.yaml"), CLASSIFIER_YAML);
        Path model = dir.resolve("out/flowers.myelin");

        // the id column is text, so it cannot be a feature: name the features by dropping it from a copy
        Path train = dir.resolve("train.csv");
        Files.write(train, Files.readAllLines(csv).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList());
        CliRun t = CliRun.of("train", spec.toString(), "--data", train.toString(), "--label-column", "species", "--output", model.toString()).ok();
        assertTrue(t.out().contains("Epoch 25/25"), t::toString);
        assertTrue(t.out().contains("Final metrics: loss: "), t::toString);
        assertTrue(Files.isRegularFile(model));

        Map<String, Object> meta = ModelFile.metadata(model);
        Task task = Task.fromMetadata(meta);
        assertEquals(Task.Kind.CLASSIFICATION, task.kind());
        assertEquals(List.of("setosa", "versicolor", "virginica"), task.classNames());
        assertEquals(List.of("x1", "x2"), task.featureColumns());

        // the label column defaults to the recorded one; extra columns (id) are ignored
        CliRun e = CliRun.of("evaluate", "--model", model.toString(), "--data", csv.toString()).ok();
        assertTrue(metric(e.out(), "accuracy") > 0.9, e::toString);

        Path preds = dir.resolve("preds.csv");
        CliRun p = CliRun.of("predict", "-m", model.toString(), "--data", csv.toString(), "--id-column", "id", "-o", preds.toString()).ok();
        assertTrue(p.out().contains("Wrote 90 predictions"), p::toString);
        List<String> lines = Files.readAllLines(preds);
        assertEquals(91, lines.size());
        assertEquals("id,predicted,prob_setosa,prob_versicolor,prob_virginica", lines.getFirst());
        int right = 0;
        List<String> data = Files.readAllLines(csv);
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            assertEquals("row" + (i - 1), f[0]);
            double sum = Double.parseDouble(f[2]) + Double.parseDouble(f[3]) + Double.parseDouble(f[4]);
            assertEquals(1.0, sum, 1e-4);
            if (data.get(i).split(",")[2].equals(f[1])) right++;
        }
        assertTrue(right >= 81, "predicted " + right + " of 90 right");

        CliRun s = CliRun.of("summary", "--model", model.toString()).ok();
        assertTrue(s.out().contains("Total params: 99"), s::toString);   // 2*16+16 + 16*3+3
        assertTrue(s.out().contains("classes [setosa, versicolor, virginica], label column 'species'"), s::toString);
        assertTrue(s.out().contains("Inputs:    input_layer (None, 2) float32"), s::toString);
        CliRun sj = CliRun.of("summary", "--model", model.toString(), "--metadata").ok();
        assertTrue(sj.out().contains("\"format_version\""), sj::toString);
    }

    @Test
    void csvRegressionToStdout() throws IOException {
        StringBuilder b = new StringBuilder("a,b,target\n");
        dev.myelin.core.Rng rng = new dev.myelin.core.Rng(3);
        for (int i = 0; i < 64; i++) {
            float a = rng.nextFloat() * 2 - 1, c = rng.nextFloat() * 2 - 1;
            // raw features far from unit scale: the leading Normalization adapts to them
            b.append(String.format(Locale.ROOT, "%.3f,%.5f,%.4f%n", 500 + 100 * a, 0.01 * c, 2 * a - c));
        }
        Path csv = Files.writeString(dir.resolve("lin.csv"), b);
        Path spec = Files.writeString(dir.resolve("lin.json"), """
                {"layers": ["Normalization", {"class_name": "Dense", "config": {"units": 1}}],
                 "compile": {"optimizer": {"name": "adam", "learning_rate": 0.05}, "loss": "mse", "metrics": ["mae"]},
                 "fit": {"epochs": 40, "batch_size": 8}}
                """);
        Path model = dir.resolve("lin.myelin");
        CliRun t = CliRun.of("train", spec.toString(), "--data", csv.toString(), "--label-column", "target", "-o", model.toString()).ok();
        assertTrue(t.out().contains("Adapted normalization to the 64 training samples"), t::toString);
        CliRun e = CliRun.of("evaluate", "--model", model.toString(), "--data", csv.toString()).ok();
        assertTrue(metric(e.out(), "mae") < 0.1, e::toString);

        Path features = Files.writeString(dir.resolve("new.csv"), "b,a\n0,600\n0.01,500\n");   // other order: matched by name
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--data", features.toString()).ok();
        List<String> lines = p.out().lines().toList();
        assertEquals(List.of("value"), List.of(lines.getFirst()));
        assertEquals(3, lines.size(), p::toString);
        assertEquals(2.0, Double.parseDouble(lines.get(1)), 0.3);
        assertEquals(-1.0, Double.parseDouble(lines.get(2)), 0.3);

        Path tsv = Files.writeString(dir.resolve("new.tsv"), "b\ta\n0\t600\n");   // .tsv: tab-separated by default
        assertEquals(2.0, Double.parseDouble(CliRun.of("predict", "--model", model.toString(), "--data", tsv.toString()).ok().out().lines().toList().get(1)), 0.3);
        Path semicolons = Files.writeString(dir.resolve("semi.txt"), "b;a\n0;600\n");
        assertEquals(2.0, Double.parseDouble(CliRun.of("predict", "--model", model.toString(), "--data", semicolons.toString(), "--delimiter", ";")
                .ok().out().lines().toList().get(1)), 0.3);
        Path headerless = Files.writeString(dir.resolve("nohead.csv"), "600,0\n");   // by position: a, b
        CliRun q = CliRun.of("predict", "--model", model.toString(), "--data", headerless.toString(), "--no-header").ok();
        assertEquals(2.0, Double.parseDouble(q.out().lines().toList().get(1)), 0.3);
    }

    @Test
    void mnistSubset() throws IOException {
        Path mnist = Mnist.defaultDir();
        Assumptions.assumeTrue(Files.isRegularFile(mnist.resolve("t10k-labels-idx1-ubyte")),
                "MNIST is not in " + mnist + "; run scripts/datasets mnist to include this test");
        Path model = dir.resolve("mlp.myelin");
        CliRun t = CliRun.of("train", "mnist-mlp", "--data", "mnist", "--limit", "500", "--epochs", "2", "-o", model.toString()).ok();
        assertTrue(t.out().contains("Training on 450 samples (validating on the last 50)"), t::toString);
        CliRun e = CliRun.of("evaluate", "--model", model.toString(), "--data-dir", mnist.toString(), "--limit", "300").ok();
        assertTrue(e.out().contains("on 300 samples of MNIST test images"), e::toString);
        assertTrue(metric(e.out(), "accuracy") > 0.5, e::toString);

        Path preds = dir.resolve("p.csv");
        CliRun.of("predict", "--model", model.toString(), "--data", "mnist", "--limit", "20", "--output", preds.toString()).ok();
        List<String> lines = Files.readAllLines(preds);
        assertEquals(21, lines.size());
        assertTrue(lines.getFirst().startsWith("predicted,prob_0,prob_1,"));
        assertTrue(Set.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9").contains(lines.get(1).split(",")[0]));

        CliRun s = CliRun.of("summary", "--model", model.toString()).ok();
        assertTrue(s.out().contains("Model: \"mnist_mlp\""), s::toString);
        assertTrue(s.out().contains("2 epochs"), s::toString);

        CliRun q = CliRun.of("quickstart", "--data-dir", mnist.toString(), "--limit", "300", "--epochs", "1",
                "--output-dir", dir.resolve("qs").toString()).ok();
        String last = q.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.matches("RESULT quickstart test_accuracy=\\d\\.\\d{4} seconds=\\d+\\.\\d"), last);
        assertTrue(Files.isRegularFile(dir.resolve("qs/model.myelin")));
        assertTrue(q.out().contains("predict --model " + dir.resolve("qs/model.myelin")), q::toString);
    }

    /** The value of "name: 0.1234" in a Keras-style log line. */
    static double metric(String out, String name) {
        Matcher m = Pattern.compile("(?:^| - )" + Pattern.quote(name) + ": ([-0-9.eE]+)", Pattern.MULTILINE).matcher(out);
        assertTrue(m.find(), "no " + name + " in: " + out);
        return Double.parseDouble(m.group(1));
    }
}
