package dev.myelin.cli;

import dev.myelin.core.Tensor;
import dev.myelin.data.Mnist;
import dev.myelin.data.text.Imdb;
import dev.myelin.data.text.Sequences;
import dev.myelin.data.text.WordTokenizer;
import dev.myelin.nn.Model;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.Embedding;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code myelin example}: each example end to end on a few hundred samples of the real data (skipped when the data are not cached). */
class ExamplesTest {
    @TempDir
    Path dir;

    /** The last line of a run, as the examples promise it. */
    static double result(CliRun r, String name) {
        String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
        Matcher m = Pattern.compile("RESULT example " + name + " test_accuracy=(\\d\\.\\d{4}) seconds=(\\d+\\.\\d)").matcher(last);
        assertTrue(m.matches(), () -> "the last line is not a RESULT line: '" + last + "'\n" + r);
        double accuracy = Double.parseDouble(m.group(1));
        assertTrue(accuracy >= 0 && accuracy <= 1, r::toString);
        assertTrue(Double.parseDouble(m.group(2)) >= 0, r::toString); // a tiny run may round to 0.0 s
        return accuracy;
    }

    @Test
    void imdbLstm() throws IOException {
        Path data = Imdb.defaultPath();
        Assumptions.assumeTrue(Files.isRegularFile(data), "IMDB is not in " + data + "; run scripts/datasets imdb to include this test");
        Path out = dir.resolve("imdb");
        CliRun r = CliRun.of("example", "imdb-lstm", "--limit", "500", "--epochs", "1", "--data-file", data.toString(),
                "--output-dir", out.toString()).ok();
        result(r, "imdb_lstm");
        assertTrue(r.out().contains("500 training reviews"), r::toString);
        assertTrue(r.out().contains("Epoch 1/1"), r::toString);

        Path modelFile = out.resolve("model.myelin"), vocabFile = out.resolve("vocab.json");
        assertTrue(Files.isRegularFile(modelFile) && Files.isRegularFile(vocabFile), r::toString);
        Model model = Model.load(modelFile);
        WordTokenizer tok = WordTokenizer.load(vocabFile);
        assertEquals(Math.min(20_000, tok.wordCount() + 2), tok.vocabSize(), "--words 20,000 by default: padding, OOV and the most frequent words");
        Embedding embedding = (Embedding) model.layers().stream().filter(l -> l instanceof Embedding).findFirst().orElseThrow();
        assertEquals(tok.vocabSize(), embedding.inputDim(), "the embedding covers every id the saved tokenizer gives");

        // the reloaded pair reads a new review: one probability in [0, 1]
        Tensor x = Sequences.pad(tok.textsToSequences(List.of("A wonderful film, I loved every minute of it.")), 200);
        float[] p = model.predict(x).toFloatArray();
        assertEquals(1, p.length);
        assertTrue(p[0] >= 0 && p[0] <= 1, "P(positive) = " + p[0]);

        // the file records the task and how the texts were prepared
        Map<String, Object> meta = ModelFile.metadata(modelFile);
        Task task = Task.fromMetadata(meta);
        assertEquals(Task.Kind.BINARY, task.kind());
        assertEquals(List.of("negative", "positive"), task.classNames());
        assertTrue(meta.toString().contains("maxlen=200"), meta::toString);
    }

    @Test
    void mnistMlp() throws IOException {
        Path mnist = Mnist.defaultDir();
        Assumptions.assumeTrue(Files.isRegularFile(mnist.resolve("t10k-labels-idx1-ubyte")),
                "MNIST is not in " + mnist + "; run scripts/datasets mnist to include this test");
        Path out = dir.resolve("mlp");
        CliRun r = CliRun.of("example", "mnist-mlp", "--limit", "500", "--epochs", "1", "--data-dir", mnist.toString(),
                "--output-dir", out.toString()).ok();
        double accuracy = result(r, "mnist_mlp");
        assertTrue(accuracy > 0.5, "500 images, one epoch: well above chance (0.1); got " + accuracy);

        Path modelFile = out.resolve("model.myelin");
        assertTrue(Files.isRegularFile(modelFile), r::toString);
        Model model = Model.load(modelFile);
        assertEquals("mnist_mlp", model.name());
        assertArrayEquals(new int[]{10}, model.outputShapes().getFirst());
        CliRun e = CliRun.of("evaluate", "--model", modelFile.toString(), "--data-dir", mnist.toString(), "--limit", "200").ok();
        assertTrue(e.out().contains("accuracy: "), e::toString);
    }

    @Test
    void badCommandLines() {
        CliRun.of("example").fails(2, "missing an example: expected one of imdb-lstm, mnist-mlp");
        CliRun.of("example", "cifar").fails(2, "cifar");
        CliRun.of("example", "imdb-lstm", "--maxlen", "0").fails(2, "--maxlen must be at least 1, got 0");
        CliRun.of("example", "imdb-lstm", "--words", "2").fails(2, "--words must be at least 3");
        CliRun.of("example", "mnist-mlp", "--epochs", "0").fails(2, "--epochs must be at least 1, got 0");
    }
}
