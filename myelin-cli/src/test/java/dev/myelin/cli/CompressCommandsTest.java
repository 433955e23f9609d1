package dev.myelin.cli;

import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.io.ModelFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** quantize, prune and compare through the command, in-process, on a small classifier trained on three clusters. */
class CompressCommandsTest {
    @TempDir
    Path dir;

    Path csv, train, model;

    @BeforeEach
    void trainSmallClassifier() throws IOException {
        csv = EndToEndTest.writeClusters(dir.resolve("flowers.csv"), 150);
        train = dir.resolve("train.csv");
        Files.write(train, Files.readAllLines(csv).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList());
        Path spec = Files.writeString(dir.resolve("spec.yaml"), EndToEndTest.CLASSIFIER_YAML.replace("units: 16", "units: 64"));
        model = dir.resolve("flowers.myelin");
        CliRun.of("train", spec.toString(), "--data", train.toString(), "--label-column", "species", "--output", model.toString()).ok();
    }

    private static List<String> classes(Path file) throws IOException {
        return ModelFile.load(file).layers().stream().map(Layer::className).toList();
    }

    private double accuracy(Path file) {
        CliRun e = CliRun.of("evaluate", "--model", file.toString(), "--data", csv.toString()).ok();
        return EndToEndTest.metric(e.out(), "accuracy");
    }

    @Test
    void quantizeDynamicKeepsTheTaskAndTheAccuracy() throws IOException {
        Path q = dir.resolve("out/flowers-int8.myelin");
        CliRun r = CliRun.of("quantize", "-m", model.toString(), "-o", q.toString(), "--quantize-last").ok();
        assertTrue(r.out().contains("Quantized 2 layers to int8 (dynamic): dense, dense_1"), r::toString);
        assertTrue(r.out().contains("smaller"), r::toString);
        assertEquals(List.of("InputLayer", "QuantizedDense", "QuantizedDense"), classes(q).subList(0, 3));
        assertTrue(Files.size(q) < Files.size(model));
        @SuppressWarnings("unchecked")
        Map<String, Object> training = (Map<String, Object>) ModelFile.metadata(q).get("training");
        assertEquals("int8_dynamic", ((Map<?, ?>) training.get("compression")).get("method"));
        assertEquals(List.of("setosa", "versicolor", "virginica"), Task.fromMetadata(ModelFile.metadata(q)).classNames());
        assertTrue(accuracy(q) > 0.9, "int8 accuracy");

        // predict runs on it and names the classes as the float model does
        Path preds = dir.resolve("p.csv");
        CliRun.of("predict", "--model", q.toString(), "--data", csv.toString(), "-o", preds.toString()).ok();
        List<String> lines = Files.readAllLines(preds);
        assertEquals("predicted,prob_setosa,prob_versicolor,prob_virginica", lines.getFirst());
        assertEquals(151, lines.size());
        assertTrue(lines.get(1).startsWith("setosa,"), lines.get(1));
    }

    @Test
    void quantizeStaticCalibratesWithEachMethod() throws IOException {
        for (String method : new String[]{"minmax", "percentile", "entropy"}) {
            Path q = dir.resolve("s-" + method + ".myelin");
            CliRun r = CliRun.of("quantize", "-m", model.toString(), "-o", q.toString(), "--mode", "static", "--calibration", train.toString(),
                    "--samples", "60", "--method", method, "--keep-float", "dense_1").ok();
            assertTrue(r.out().contains("Calibrated on 60 samples"), r::toString);
            assertTrue(r.out().contains("Kept in float: dense_1"), r::toString);
            assertTrue(accuracy(q) > 0.9, method);
        }
    }

    @Test
    void pruneFineTunesAndSavesSparseKernels() throws IOException {
        Path p = dir.resolve("flowers-pruned.myelin");
        CliRun r = CliRun.of("prune", "-m", model.toString(), "-o", p.toString(), "--sparsity", "0.8", "--epochs", "3", "--batch-size", "16",
                "--data", train.toString(), "--label-column", "species").ok();
        var sp = java.util.regex.Pattern.compile("Kernel sparsity: ([0-9.]+)%").matcher(r.out());
        assertTrue(sp.find() && Double.parseDouble(sp.group(1)) >= 79.5, r::toString);   // each kernel prunes floor(0.8 n) weights
        assertTrue(r.out().contains("Epoch 3/3"), r::toString);
        assertEquals(List.of("InputLayer", "SparseDense", "SparseDense"), classes(p));
        assertTrue(accuracy(p) > 0.9, "pruned accuracy");
        Path preds = dir.resolve("p.csv");
        CliRun.of("predict", "--model", p.toString(), "--data", csv.toString(), "-o", preds.toString()).ok();
        assertEquals(151, Files.readAllLines(preds).size());

        // one-shot, and structured
        Path once = dir.resolve("once.myelin");
        CliRun.of("prune", "-m", model.toString(), "-o", once.toString(), "--sparsity", "0.5", "--epochs", "0", "--scope", "global").ok();
        Path slim = dir.resolve("slim.myelin");
        CliRun s = CliRun.of("prune", "-m", model.toString(), "-o", slim.toString(), "--structured", "--sparsity", "0.5", "--epochs", "2",
                "--data", train.toString()).ok();
        assertTrue(s.out().contains("Removed 50% of the units and filters"), s::toString);
        Model m = ModelFile.load(slim);
        assertEquals(32, ((dev.myelin.nn.layers.Dense) m.layers().get(1)).units());
    }

    @Test
    void compareTabulatesSizeAccuracyAndLatency() {
        Path q = dir.resolve("q.myelin"), p = dir.resolve("p.myelin");
        CliRun.of("quantize", "-m", model.toString(), "-o", q.toString()).ok();
        CliRun.of("prune", "-m", model.toString(), "-o", p.toString(), "--sparsity", "0.7", "--epochs", "0").ok();
        CliRun r = CliRun.of("compare", "-m", model.toString(), q.toString(), p.toString(), "--data", csv.toString(), "--runs", "5", "--warmup", "2", "--warmup-seconds", "0").ok();
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("Compared on 150 samples"), r::toString);
        assertTrue(lines.get(1).matches("model\\s+size\\s+smaller\\s+accuracy\\s+change\\s+batch 1\\s+speedup\\s+batch 32\\s+speedup"), r::toString);
        assertTrue(lines.get(2).startsWith("flowers.myelin") && lines.get(2).contains("1.00x"), r::toString);
        assertTrue(lines.get(3).startsWith("q.myelin") && lines.get(3).contains(" pt "), r::toString);
        assertTrue(lines.get(4).startsWith("p.myelin"), r::toString);
        assertEquals(5, lines.size(), r::toString);
    }

    @Test
    void badInputIsOneClearLine() {
        String m = model.toString(), o = dir.resolve("o.myelin").toString();
        CliRun.of("quantize", "-m", m, "-o", o, "--mode", "static").fails(2, "--mode static needs calibration data");
        CliRun.of("quantize", "-m", m, "-o", o, "--method", "entropy").fails(2, "--method is for --mode static");
        CliRun.of("quantize", "-m", m, "-o", o, "--data", csv.toString()).fails(2, "dynamic quantization needs none");
        CliRun.of("quantize", "-m", m, "-o", o, "--keep-float", "nope").fails(1, "no layer named 'nope'");
        CliRun.of("quantize", "-m", m, "-o", m).fails(2, "--output must differ from --model");
        CliRun.of("quantize", "-m", m, "-o", o, "--mode", "fast").fails(2, "--mode");
        CliRun.of("prune", "-m", m, "-o", o, "--sparsity", "1.5").fails(2, "--sparsity must be in [0, 1)");
        CliRun.of("prune", "-m", m, "-o", o, "--sparsity", "0.5").fails(2, "fine-tuning needs labelled data");
        CliRun.of("prune", "-m", m, "-o", o, "--sparsity", "0.5", "--epochs", "0", "--skip", "nope").fails(1, "--skip: no layer named 'nope'");
        CliRun.of("compare", "-m", m, "--data", csv.toString()).fails(2, "--models");
        CliRun.of("compare", "-m", m, dir.resolve("none.myelin").toString(), "--data", csv.toString()).fails(1, "no such model file");
        for (String c : new String[]{"quantize", "prune", "compare"}) {
            CliRun h = CliRun.of(c, "--help").ok();
            assertTrue(h.out().contains("Examples:"), () -> c + " --help has no examples: " + h);
        }
    }
}
