package dev.myelin.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.myelin.data.io.TextFiles;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Layers;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.losses.Losses;
import dev.myelin.nn.metrics.Metric;
import dev.myelin.nn.metrics.Metrics;
import dev.myelin.nn.optimizers.Optimizer;
import dev.myelin.nn.optimizers.Optimizers;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A training spec: the model (a Keras-like list of layers, or a whole saved architecture), how to
 * compile it and how to fit it. Read from JSON or YAML; see docs/spec-files.md for the format.
 *
 * <pre>{@code
 * Spec s = Spec.resolve("examples/specs/mnist-cnn.yaml");        // or a built-in name: "mnist-cnn"
 * Model m = s.buildModel(new int[]{28, 28, 1}, s.seed);
 * m.compile(s.optimizer(null), s.loss(), s.metrics(s.loss()));
 * }</pre>
 *
 * Every key is checked: a key the format does not know, or a layer setting the layer does not
 * take, is an error naming the file and the place, never silently dropped.
 */
final class Spec {
    /** The specs shipped inside the jar (from examples/specs), by name. */
    static final List<String> BUILT_INS = List.of("mnist-mlp", "mnist-cnn");

    private static final List<String> TOP_KEYS = List.of("name", "description", "seed", "input_shape", "layers", "model", "compile", "fit");
    private static final List<String> COMPILE_KEYS = List.of("optimizer", "learning_rate", "loss", "metrics");
    private static final List<String> FIT_KEYS = List.of("epochs", "batch_size", "validation_split", "shuffle");
    /** Keras 3 layer-entry keys that carry nothing Myelin needs. */
    private static final Set<String> KERAS_ENTRY_KEYS = Set.of("module", "registered_name", "build_config");
    /** A YAML 1.1 parser reads 1e-3 as text (it wants 1.0e-3); the spec reads it as the number people mean. */
    private static final Pattern EXPONENT_NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)[eE][-+]?\\d+");

    /** Fit settings, Keras's defaults where the spec says nothing: 1 epoch, batch 32, no validation, shuffled. */
    record Fit(int epochs, int batchSize, float validationSplit, boolean shuffle) {}

    final String source;
    final String name;
    final String description;
    final long seed;
    private final int[] inputShape;
    private final List<Map<String, Object>> layers;   // each {"class_name", "config"}, as written
    private final Map<String, Object> model;           // a whole architecture, instead of layers
    private final Object optimizer;
    private final Float learningRate;
    private final Object loss;
    private final List<String> metricNames;
    final Fit fit;

    private Spec(String source, Map<String, Object> root) {
        this.source = source;
        checkKeys(root, TOP_KEYS, "the spec");
        this.name = string(root, "name");
        this.description = string(root, "description");
        this.seed = root.get("seed") == null ? 42 : integer(root.get("seed"), "seed");
        this.inputShape = root.get("input_shape") == null ? null : shape(root.get("input_shape"), "input_shape");
        if (root.get("layers") != null && root.get("model") != null) {
            throw error("give the model either as 'layers' (a list) or as 'model' (a whole architecture), not both");
        }
        if (root.get("layers") == null && root.get("model") == null) {
            throw error("no model: expected 'layers', a list such as [{\"class_name\": \"Dense\", \"config\": {\"units\": 10}}]");
        }
        if (root.get("model") != null) {
            if (inputShape != null) throw error("'input_shape' goes with 'layers'; a 'model' architecture carries its own inputs");
            this.model = map(root.get("model"), "model");
            this.layers = null;
        } else {
            this.model = null;
            this.layers = layerEntries(root.get("layers"));
        }
        Map<String, Object> c = root.get("compile") == null ? null : map(root.get("compile"), "compile");
        if (c == null) throw error("no 'compile' section: expected at least {\"optimizer\": \"adam\", \"loss\": \"...\"}");
        checkKeys(c, COMPILE_KEYS, "compile");
        if (c.get("optimizer") == null) throw error("compile: missing 'optimizer' (a name such as \"adam\", or {\"name\": \"adam\", \"learning_rate\": 0.001})");
        if (c.get("loss") == null) throw error("compile: missing 'loss' (a name such as \"sparse_categorical_crossentropy\", or {\"name\": ..., \"from_logits\": true})");
        this.optimizer = c.get("optimizer");
        this.learningRate = c.get("learning_rate") == null ? null : (float) number(c.get("learning_rate"), "compile.learning_rate");
        this.loss = c.get("loss");
        this.metricNames = strings(c.get("metrics"), "compile.metrics");
        Map<String, Object> f = root.get("fit") == null ? Map.of() : map(root.get("fit"), "fit");
        checkKeys(f, FIT_KEYS, "fit");
        int epochs = f.get("epochs") == null ? 1 : (int) integer(f.get("epochs"), "fit.epochs");
        int batch = f.get("batch_size") == null ? 32 : (int) integer(f.get("batch_size"), "fit.batch_size");
        float split = f.get("validation_split") == null ? 0f : (float) number(f.get("validation_split"), "fit.validation_split");
        boolean shuffle = f.get("shuffle") == null || bool(f.get("shuffle"), "fit.shuffle");
        if (epochs < 1) throw error("fit.epochs must be at least 1, got " + epochs);
        if (batch < 1) throw error("fit.batch_size must be at least 1, got " + batch);
        if (split < 0 || split >= 1) throw error("fit.validation_split must be in [0, 1), got " + split);
        this.fit = new Fit(epochs, batch, split, shuffle);
    }

    // ------------------------------------------------------------------ reading

    /** A spec file (JSON or YAML), or else a built-in spec of that name. */
    static Spec resolve(String fileOrName) throws IOException {
        Path p = Path.of(fileOrName);
        if (Files.isRegularFile(p)) return load(p);
        if (BUILT_INS.contains(fileOrName)) return builtIn(fileOrName);
        if (Files.exists(p)) throw new IOException(p + ": not a file");
        throw new FileNotFoundException(fileOrName + ": no such spec file, and no built-in spec of that name (built-in: "
                + String.join(", ", BUILT_INS) + ")");
    }

    /** Reads a spec file: YAML for .yaml/.yml, JSON for .json, else by its first character. */
    static Spec load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new FileNotFoundException(file + ": no such spec file");
        String text = TextFiles.read(file);   // strict UTF-8: a bad byte is an error naming its line
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = lower.endsWith(".yaml") || lower.endsWith(".yml") || (!lower.endsWith(".json") && !text.stripLeading().startsWith("{"));
        return parse(text, yaml, file.toString());
    }

    /** A spec shipped in the jar. */
    static Spec builtIn(String name) throws IOException {
        for (String ext : new String[]{".yaml", ".json"}) {
            try (InputStream in = Spec.class.getResourceAsStream("specs/" + name + ext)) {
                if (in != null) return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), ext.equals(".yaml"), "built-in spec " + name);
            }
        }
        throw new FileNotFoundException("no built-in spec '" + name + "' (built-in: " + String.join(", ", BUILT_INS) + ")");
    }

    /** Parses spec text; {@code source} names it in errors. */
    static Spec parse(String text, boolean yaml, String source) {
        Object root = yaml ? parseYaml(text, source) : parseJson(text, source);
        if (!(root instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(source + ": a spec must be an object (a mapping) at the top, got " + kind(root));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) numbersFromText(root);
        return new Spec(source, m);
    }

    private static Object parseJson(String text, String source) {
        try {
            return JSON.std.with(JSON.Feature.USE_DEFERRED_MAPS, false).with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS, true).anyFrom(text);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + Main.oneLine(e.getMessage()), e);
        }
    }

    private static Object parseYaml(String text, String source) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try {
            return new Yaml(new SafeConstructor(options)).load(text);
        } catch (MarkedYAMLException e) {
            var mark = e.getProblemMark();
            String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            throw new IllegalArgumentException(source + ": not valid YAML" + where + ": " + Main.oneLine(e.getProblem()), e);
        } catch (YAMLException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + Main.oneLine(e.getMessage()), e);
        }
    }

    /** Maps and lists copied with exponent-form strings ("1e-3") as numbers; other values as they are. */
    private static Object numbersFromText(Object o) {
        return switch (o) {
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), numbersFromText(e.getValue()));
                yield out;
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>();
                for (Object v : l) out.add(numbersFromText(v));
                yield out;
            }
            case String s when EXPONENT_NUMBER.matcher(s).matches() -> Double.parseDouble(s);
            case null, default -> o;
        };
    }

    // ------------------------------------------------------------------ the model

    /** Whether the spec fixes the input shape (else it comes from the data). */
    int[] declaredInputShape() {
        if (inputShape != null) return inputShape.clone();
        if (layers != null && "InputLayer".equals(layers.getFirst().get("class_name"))) {
            Map<String, Object> c = map(layers.getFirst().get("config"), "layers[0].config");
            if (c.get("shape") != null) return shape(c.get("shape"), "layers[0].config.shape");
        }
        return null;
    }

    /**
     * The model, built for inputs of {@code dataShape} (one sample, no batch axis) unless the spec
     * declares its own input shape. Weights are initialised from {@code seed} (the spec's, or one from the command line).
     */
    Model buildModel(int[] dataShape, long seed) {
        if (model != null) return buildArchitecture(dataShape, seed);
        Sequential s = new Sequential();
        s.seed(seed);   // before the layers are added (and built), so that their weights follow it
        if (name != null) s.name(name);
        int[] declared = declaredInputShape();
        boolean startsWithInput = "InputLayer".equals(layers.getFirst().get("class_name"));
        if (startsWithInput && inputShape != null) throw error("the input shape is given twice: 'input_shape' and an InputLayer first in 'layers'");
        if (!startsWithInput) s.add(new InputLayer(declared != null ? declared : dataShape));
        for (int i = 0; i < layers.size(); i++) {
            Map<String, Object> entry = layers.get(i);
            String cls = (String) entry.get("class_name");
            String where = "layers[" + i + "] (" + cls + ")";
            Layer layer;
            try {
                layer = Layers.fromConfig(entry);
            } catch (RuntimeException e) {
                throw error(where + ": " + Main.oneLine(e.getMessage()), e);
            }
            checkLayerKeys(layer, map(entry.get("config"), where + " config"), where);
            try {
                s.add(layer);
            } catch (RuntimeException e) {
                throw error(where + ": " + Main.oneLine(e.getMessage()), e);
            }
        }
        return s;
    }

    private Model buildArchitecture(int[] dataShape, long seed) {
        Layer l;
        try {
            l = Layers.fromConfig(model);
        } catch (RuntimeException e) {
            throw error("model: " + Main.oneLine(e.getMessage()), e);
        }
        if (!(l instanceof Model m)) throw error("model: the architecture describes a " + l.className() + ", not a model (Sequential or Functional)");
        m.seed(seed);
        if (!m.isBuilt()) {
            try {
                m.ensureBuilt(List.of(dataShape));
            } catch (RuntimeException e) {
                throw error("model: cannot build it for inputs of shape " + Layer.withBatch(dataShape) + ": " + Main.oneLine(e.getMessage()), e);
            }
        }
        return m;
    }

    /**
     * A setting the layer does not take would be ignored by its fromConfig; the layer's own config()
     * lists every setting it has (config and fromConfig round-trip), so anything else is a mistake.
     */
    private void checkLayerKeys(Layer layer, Map<String, Object> given, String where) {
        Set<String> known = layer.config().keySet();
        for (var e : given.entrySet()) {
            if (e.getValue() == null || known.contains(e.getKey())) continue;
            List<String> settings = new ArrayList<>(known);
            settings.removeAll(List.of("name", "trainable"));
            throw error(where + ": unknown setting '" + e.getKey() + "'; " + layer.className() + " takes " + settings
                    + (e.getKey().equals("input_shape") ? " (give the input shape once, as the spec's top-level 'input_shape' or in the first layer)" : ""));
        }
    }

    /** Layer entries in the {"class_name", "config"} form; also accepts {"Dense": {...}} and "Flatten". */
    private List<Map<String, Object>> layerEntries(Object o) {
        if (!(o instanceof List<?> list)) throw error("'layers' must be a list of layers, got " + kind(o));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "layers[" + i + "]";
            Object item = list.get(i);
            String cls;
            Map<String, Object> config;
            if (item instanceof String s) {
                cls = s;
                config = new LinkedHashMap<>();
            } else if (item instanceof Map<?, ?> raw) {
                Map<String, Object> m = map(raw, where);
                if (m.containsKey("class_name")) {
                    for (String k : m.keySet()) {
                        if (!k.equals("class_name") && !k.equals("config") && !KERAS_ENTRY_KEYS.contains(k)) {
                            throw error(where + ": unknown key '" + k + "'; a layer is {\"class_name\": ..., \"config\": {...}}");
                        }
                    }
                    if (!(m.get("class_name") instanceof String s)) throw error(where + ": 'class_name' must be a string, got " + kind(m.get("class_name")));
                    cls = s;
                    config = m.get("config") == null ? new LinkedHashMap<>() : new LinkedHashMap<>(map(m.get("config"), where + ".config"));
                } else if (m.size() == 1) {
                    cls = m.keySet().iterator().next();
                    Object c = m.get(cls);
                    config = c == null ? new LinkedHashMap<>() : new LinkedHashMap<>(map(c, where + "." + cls));
                } else {
                    throw error(where + ": expected {\"class_name\": \"Dense\", \"config\": {...}} or {\"Dense\": {...}}, got keys " + m.keySet());
                }
            } else {
                throw error(where + ": expected a layer ({\"class_name\": ..., \"config\": {...}}), got " + kind(item));
            }
            dropFloat32Dtype(config, where);
            if (config.containsKey("input_shape") && config.get("input_shape") != null) {
                // Keras 2 style: the first layer carries the model's input shape.
                if (i != 0) throw error(where + ": 'input_shape' is only allowed in the first layer");
                if (inputShape != null) throw error(where + ": the input shape is given twice (here and at the top level)");
                Object shape = config.remove("input_shape");
                out.add(entry("InputLayer", new LinkedHashMap<>(Map.of("shape", Arrays.stream(shape(shape, where + ".input_shape")).boxed().toList()))));
            }
            out.add(entry(cls, config));
        }
        if (out.isEmpty()) throw error("'layers' is empty");
        return out;
    }

    /** Myelin layers compute in float32; a Keras config that says so is fine, any other dtype is refused. */
    private void dropFloat32Dtype(Map<String, Object> config, String where) {
        Object d = config.get("dtype");
        if (d == null) return;
        Object n = d;
        if (d instanceof Map<?, ?> policy) {   // Keras 3: {"class_name": "DTypePolicy", "config": {"name": "float32"}}
            n = policy.get("config") instanceof Map<?, ?> pc ? pc.get("name") : policy.get("name");
        }
        if (!"float32".equals(n)) throw error(where + ": dtype " + n + " is not supported; Myelin layers compute in float32");
        config.remove("dtype");
    }

    private static Map<String, Object> entry(String cls, Map<String, Object> config) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("class_name", cls);
        e.put("config", config);
        return e;
    }

    // ------------------------------------------------------------------ compile

    /** The optimizer; {@code learningRateOverride} (from the command line) replaces the spec's rate when set. */
    Optimizer optimizer(Float learningRateOverride) {
        Map<String, Object> c;
        if (optimizer instanceof String s) {
            c = new LinkedHashMap<>();
            c.put("name", s);
        } else if (optimizer instanceof Map<?, ?>) {
            c = new LinkedHashMap<>(map(optimizer, "compile.optimizer"));
        } else {
            throw error("compile.optimizer must be a name or an object, got " + kind(optimizer));
        }
        if (learningRate != null) {
            if (c.containsKey("learning_rate")) throw error("compile: the learning rate is given twice (compile.learning_rate and compile.optimizer.learning_rate)");
            c.put("learning_rate", learningRate.doubleValue());
        }
        if (learningRateOverride != null) c.put("learning_rate", learningRateOverride.doubleValue());
        try {
            return Optimizers.fromConfig(c);
        } catch (RuntimeException e) {
            throw error("compile.optimizer: " + Main.oneLine(e.getMessage()), e);
        }
    }

    Loss loss() {
        try {
            if (loss instanceof String s) return Losses.get(s);
            if (loss instanceof Map<?, ?>) return Losses.fromConfig(map(loss, "compile.loss"));
        } catch (RuntimeException e) {
            throw error("compile.loss: " + Main.oneLine(e.getMessage()), e);
        }
        throw error("compile.loss must be a name or an object, got " + kind(loss));
    }

    List<String> metricNames() {
        return metricNames;
    }

    /** The metrics, "accuracy" resolved for {@code forLoss}. */
    List<Metric> metrics(Loss forLoss) {
        List<Metric> out = new ArrayList<>();
        for (String n : metricNames) {
            try {
                out.add(Metrics.get(n, forLoss));
            } catch (RuntimeException e) {
                throw error("compile.metrics: " + Main.oneLine(e.getMessage()), e);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ typed reads

    private IllegalArgumentException error(String message) {
        return new IllegalArgumentException(source + ": " + message);
    }

    private IllegalArgumentException error(String message, Throwable cause) {
        return new IllegalArgumentException(source + ": " + message, cause);
    }

    private void checkKeys(Map<String, Object> m, List<String> known, String where) {
        for (String k : m.keySet()) {
            if (!known.contains(k)) throw error(where + ": unknown key '" + k + "'; expected " + String.join(", ", known));
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(Object o, String where) {
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw error(where + " must be an object, got " + kind(o));
    }

    private String string(Map<String, Object> m, String key) {
        Object o = m.get(key);
        if (o == null) return null;
        if (o instanceof String s) return s;
        throw error("'" + key + "' must be a string, got " + kind(o));
    }

    private long integer(Object o, String where) {
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.longValue();
        throw error(where + " must be a whole number, got " + kind(o));
    }

    private double number(Object o, String where) {
        if (o instanceof Number n) return n.doubleValue();
        throw error(where + " must be a number, got " + kind(o));
    }

    private boolean bool(Object o, String where) {
        if (o instanceof Boolean b) return b;
        throw error(where + " must be true or false, got " + kind(o));
    }

    private int[] shape(Object o, String where) {
        if (!(o instanceof List<?> l) || l.isEmpty()) throw error(where + " must be a list of sizes such as [28, 28, 1], got " + kind(o));
        int[] s = new int[l.size()];
        for (int i = 0; i < s.length; i++) {
            long v = integer(l.get(i), where + "[" + i + "]");
            if (v < 1 || v > Integer.MAX_VALUE) throw error(where + " sizes must be positive, got " + l);
            s[i] = (int) v;
        }
        return s;
    }

    private List<String> strings(Object o, String where) {
        if (o == null) return List.of();
        if (o instanceof String s) return List.of(s);
        if (!(o instanceof List<?> l)) throw error(where + " must be a list of names, got " + kind(o));
        List<String> out = new ArrayList<>();
        for (Object v : l) {
            if (!(v instanceof String s)) throw error(where + " must be a list of names, got " + kind(v) + " in it");
            out.add(s);
        }
        return out;
    }

    private static String kind(Object o) {
        return switch (o) {
            case null -> "nothing (null)";
            case String s -> "the text \"" + s + "\"";
            case Number n -> "the number " + n;
            case Boolean b -> b.toString();
            case List<?> l -> "a list " + l;
            case Map<?, ?> m -> "an object with keys " + m.keySet();
            default -> o.getClass().getSimpleName();
        };
    }
}
