package dev.myelin.cli;

import dev.myelin.nn.Layers;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.optimizers.Optimizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecTest {
    static final String COMPILE_JSON = "\"compile\": {\"optimizer\": \"adam\", \"loss\": \"mse\"}";

    private static Spec json(String body) {
        return Spec.parse("{" + body + ", " + COMPILE_JSON + "}", false, "test.json");
    }

    private static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void layerFormsAreEquivalent() {
        Spec full = json("\"input_shape\": [4], \"layers\": [{\"class_name\": \"Flatten\"}, {\"class_name\": \"Dense\", \"config\": {\"units\": 3}}]");
        Spec shorthand = Spec.parse("""
                input_shape: [4]
                layers: [Flatten, {Dense: {units: 3}}]
                compile: {optimizer: adam, loss: mse}
                """, true, "test.yaml");
        Model a = full.buildModel(new int[]{4}, 1), b = shorthand.buildModel(new int[]{4}, 1);
        assertEquals(Layers.toConfig(a), Layers.toConfig(b));
        assertEquals(3 * 4 + 3, a.countParams());
    }

    @Test
    void inputShapeFromTheSpecTheFirstLayerOrTheData() {
        Model fromData = json("\"layers\": [{\"Dense\": {\"units\": 2}}]").buildModel(new int[]{5}, 1);
        assertArrayEquals(new int[]{5}, fromData.inputShapes().getFirst());
        Spec keras2 = json("\"layers\": [{\"Dense\": {\"units\": 2, \"input_shape\": [7]}}]");
        assertArrayEquals(new int[]{7}, keras2.declaredInputShape());
        assertArrayEquals(new int[]{7}, keras2.buildModel(new int[]{5}, 1).inputShapes().getFirst());
        Spec declared = json("\"input_shape\": [3, 3], \"layers\": [\"Flatten\"]");
        assertArrayEquals(new int[]{3, 3}, declared.buildModel(new int[]{9}, 1).inputShapes().getFirst());
        assertTrue(error(() -> json("\"input_shape\": [3], \"layers\": [{\"InputLayer\": {\"shape\": [3]}}]").buildModel(new int[]{3}, 1))
                .contains("the input shape is given twice"));
        assertTrue(error(() -> json("\"input_shape\": [3], \"layers\": [{\"Dense\": {\"units\": 2, \"input_shape\": [3]}}]"))
                .contains("given twice"));
    }

    @Test
    void seedDecidesTheWeights() {
        Spec s = json("\"layers\": [{\"Dense\": {\"units\": 2}}]");
        float[] w1 = s.buildModel(new int[]{3}, 5).weights().getFirst().value().toFloatArray();
        float[] w2 = s.buildModel(new int[]{3}, 5).weights().getFirst().value().toFloatArray();
        float[] w3 = s.buildModel(new int[]{3}, 6).weights().getFirst().value().toFloatArray();
        assertArrayEquals(w1, w2);
        assertFalse(java.util.Arrays.equals(w1, w3));
    }

    @Test
    void compileAndFitSettings() {
        Spec s = Spec.parse("""
                layers: [{Dense: {units: 1}}]
                compile:
                  optimizer: {name: sgd, momentum: 0.9}
                  learning_rate: 1e-3
                  loss: {name: binary_crossentropy, from_logits: true}
                  metrics: accuracy
                fit: {epochs: 3, batch_size: 4, validation_split: 0.25, shuffle: false}
                """, true, "t.yaml");
        Optimizer opt = s.optimizer(null);
        assertEquals(0.001, ((Number) opt.config().get("learning_rate")).doubleValue(), 1e-9);
        assertEquals(0.9, ((Number) opt.config().get("momentum")).doubleValue(), 1e-6);
        assertEquals(0.5, ((Number) s.optimizer(0.5f).config().get("learning_rate")).doubleValue(), 1e-9);
        assertEquals(Boolean.TRUE, s.loss().config().get("from_logits"));
        assertEquals(List.of("accuracy"), s.metricNames());
        assertEquals(new Spec.Fit(3, 4, 0.25f, false), s.fit);
        assertEquals(new Spec.Fit(1, 32, 0f, true), json("\"layers\": [\"Flatten\"]").fit);   // Keras's defaults
    }

    @Test
    void wholeArchitecture() throws IOException {
        Sequential m = new Sequential(new InputLayer(3), new Dense(4, "relu"), new Dense(2));
        Map<String, Object> arch = Layers.toConfig(m);
        String text = "{\"model\": " + com.fasterxml.jackson.jr.ob.JSON.std.asString(arch).replace("\n", "") + ", " + COMPILE_JSON + "}";
        Model back = Spec.parse(text, false, "arch.json").buildModel(new int[]{3}, 1);
        assertEquals(m.countParams(), back.countParams());
        assertTrue(error(() -> Spec.parse("{\"model\": {}, \"layers\": [], " + COMPILE_JSON + "}", false, "x.json"))
                .contains("either as 'layers'"));
    }

    @Test
    void mistakesAreNamed() {
        assertTrue(error(() -> Spec.parse("{\"layers\": [\"Flatten\"], \"layers\": [], " + COMPILE_JSON + "}", false, "d.json"))
                .startsWith("d.json: not valid JSON: Duplicate"));
        assertTrue(error(() -> Spec.parse("layers: [Flatten]\nlayers: []\ncompile: {optimizer: adam, loss: mse}\n", true, "d.yaml"))
                .contains("d.yaml: not valid YAML"));
        assertEquals("test.json: no 'compile' section: expected at least {\"optimizer\": \"adam\", \"loss\": \"...\"}",
                error(() -> Spec.parse("{\"layers\": [\"Flatten\"]}", false, "test.json")));
        assertEquals("test.json: compile: missing 'loss' (a name such as \"sparse_categorical_crossentropy\", or {\"name\": ..., \"from_logits\": true})",
                error(() -> Spec.parse("{\"layers\": [\"Flatten\"], \"compile\": {\"optimizer\": \"adam\"}}", false, "test.json")));
        assertTrue(error(() -> json("\"layers\": [\"Flatten\"], \"fit\": {\"epochs\": 0}")).contains("fit.epochs must be at least 1"));
        assertTrue(error(() -> json("\"layers\": [\"Flatten\"], \"fit\": {\"batch\": 2}")).contains("fit: unknown key 'batch'"));
        assertTrue(error(() -> json("\"layers\": [3]")).contains("layers[0]: expected a layer"));
        assertTrue(error(() -> json("\"layers\": []")).contains("'layers' is empty"));
        assertTrue(error(() -> json("\"layers\": [{\"Dense\": {\"units\": 2, \"dtype\": \"float16\"}}]"))
                .contains("dtype float16 is not supported"));
        // a Keras 3 layer entry with float32 policy and its bookkeeping keys is fine
        Spec keras3 = json("\"layers\": [{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"registered_name\": null, "
                + "\"config\": {\"units\": 2, \"dtype\": {\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"float32\"}}}}]");
        assertEquals(3 * 2 + 2, keras3.buildModel(new int[]{3}, 1).countParams());
        assertTrue(error(() -> json("\"layers\": [{\"Dense\": {\"units\": 2}}, {\"Conv2D\": {\"filters\": 2, \"kernel_size\": 3}}]")
                .buildModel(new int[]{3}, 1)).startsWith("test.json: layers[1] (Conv2D): "));
    }

    /** Every example spec reads, builds for its data and compiles; the built-in ones are in the jar. */
    @Test
    void examplesAndBuiltIns() throws IOException {
        Path examples = Path.of("..", "examples", "specs");
        List<Path> files;
        try (Stream<Path> s = Files.list(examples)) {
            files = s.filter(p -> p.toString().matches(".*\\.(json|ya?ml)")).sorted().toList();
        }
        assertTrue(files.size() >= 4, "example specs: " + files);
        for (Path f : files) {
            Spec s = Spec.load(f);
            int[] shape = f.getFileName().toString().startsWith("mnist") ? new int[]{28, 28, 1} : new int[]{4};
            Model m = s.buildModel(shape, s.seed);
            m.compile(s.optimizer(null), List.of(s.loss()), s.metrics(s.loss()));
            assertTrue(m.countParams() > 0, f.toString());
        }
        for (String name : Spec.BUILT_INS) {
            Spec s = Spec.builtIn(name);
            assertEquals("built-in spec " + name, s.source);
            assertTrue(Files.exists(examples.resolve(name + ".yaml")) || Files.exists(examples.resolve(name + ".json")), name);
        }
        Spec cnn = Spec.resolve("mnist-cnn");
        assertEquals(new Spec.Fit(12, 128, 0.1f, true), cnn.fit);
        assertEquals(34_826, cnn.buildModel(new int[]{28, 28, 1}, 1).countParams());   // as Keras's model.summary() reports
    }
}
