package dev.myelin.nn.io;

import dev.myelin.core.DType;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Layers;
import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.metrics.Metric;
import dev.myelin.nn.optimizers.Optimizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A whole model in one file: its architecture, its weights and what made it. Saving is atomic
 * (a temporary file in the same directory, forced to disk, then renamed over the target), so a
 * crash or an error midway leaves the previous file as it was.
 *
 * <pre>{@code
 * ModelFile.save(model, Path.of("mlp.myelin"));
 * Model back = ModelFile.load(Path.of("mlp.myelin"));   // same predictions, bit for bit
 * }</pre>
 *
 * <h2>Layout (format version 1)</h2>
 * All integers little-endian.
 * <pre>
 * offset  bytes  field
 * 0       7      magic "MYELIN\0" (4D 59 45 4C 49 4E 00)
 * 7       2      format version, u16 (1)
 * 9       7      reserved, zero (sections start 8-byte aligned)
 * 16      ...    sections, each:  tag (4 ASCII bytes) | CRC-32C of the payload (u32) | payload length L (u64) | L bytes
 * </pre>
 * Sections, in the order written:
 * <ul>
 * <li>{@code WGTS}: the weights as a complete, standalone safetensors blob (see {@link SafeTensors}),
 *     F32, named by {@link #weightsByName}: "layer/sublayer/.../weight". Being first, its payload
 *     always starts at byte 32, with its length in bytes 24..31; cut it out with
 *     {@code tail -c +33 m.myelin | head -c L > m.safetensors}, or call {@link #extractWeights}.</li>
 * <li>{@code ARCH}: UTF-8 JSON, {@code Layers.toConfig(model)}: {"class_name", "config"}.</li>
 * <li>{@code META}: UTF-8 JSON: format, format_version, kind ("model" or "checkpoint"),
 *     myelin_version, created_by (Myelin version, the API call, Java and OS), created_at (UTC),
 *     model (class, name, parameter counts), inputs and outputs (name, shape with -1 for the batch
 *     and other variable sizes, dtype), training (optimizer config, iterations, losses, metrics,
 *     plus what the caller adds, such as epochs and the last logs).</li>
 * <li>{@code OPTM}, {@code TRNS}: only in checkpoints; see {@link Checkpoint}.</li>
 * <li>{@code END }: empty; marks a complete file. A file without it is truncated.</li>
 * </ul>
 * Readers skip sections they do not know, so later versions may add optional sections without a
 * new format version; a change older readers would misread bumps the version, and a reader refuses
 * versions newer than it knows with a message naming both. The Myelin version recorded is the jar
 * manifest's Implementation-Version, else the Maven pom.properties in the jar, else
 * {@link #DEVELOPMENT_VERSION} (running from classes, as in this project's own tests).
 */
public final class ModelFile {
    private ModelFile() {}

    /** The file format version this Myelin writes; it reads 1 up to this. */
    public static final int FORMAT_VERSION = Container.FORMAT_VERSION;

    /** The version recorded when Myelin runs from class folders rather than a jar; kept equal to the Maven version. */
    public static final String DEVELOPMENT_VERSION = "0.1.0-SNAPSHOT";

    private static final String VERSION = findVersion();

    /** The running Myelin's version (see the class notes for where it comes from). */
    public static String myelinVersion() {
        return VERSION;
    }

    private static String findVersion() {
        Package p = ModelFile.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        if (v != null && !v.isBlank()) return v;
        try (InputStream in = ModelFile.class.getResourceAsStream("/META-INF/maven/dev.myelin/myelin-nn/pom.properties")) {
            if (in != null) {
                Properties props = new Properties();
                props.load(in);
                v = props.getProperty("version");
                if (v != null && !v.isBlank()) return v;
            }
        } catch (IOException ignored) {
            // fall back to the constant
        }
        return DEVELOPMENT_VERSION;
    }

    // ------------------------------------------------------------------ saving

    /** Saves the model (architecture, weights, metadata) to {@code path}, atomically. */
    public static void save(Model model, Path path) throws IOException {
        save(model, path, Map.of());
    }

    /**
     * Saves the model, adding {@code trainingInfo} (JSON-like values: numbers, strings, lists,
     * maps) to the metadata's "training" part, e.g. {@code Map.of("epochs", 10, "dataset", "mnist")}.
     */
    public static void save(Model model, Path path, Map<String, ?> trainingInfo) throws IOException {
        write(model, path, "model", "ModelFile.save", trainingInfo, null);
    }

    /** More sections, written after the metadata (a checkpoint's optimizer state). */
    interface Extra {
        void write(Container.Writer w) throws IOException;
    }

    static void write(Model model, Path path, String kind, String api, Map<String, ?> trainingInfo, Extra extra) throws IOException {
        if (model.inputShapes() == null) {
            throw new IllegalArgumentException("cannot save " + model.describe() + " to " + path
                    + ": it is not built yet; start it with an InputLayer or call it on data first");
        }
        Map<String, Parameter> named = weightsByName(model);
        Map<String, Tensor> values = new LinkedHashMap<>();
        for (var e : named.entrySet()) values.put(e.getKey(), e.getValue().value());
        Map<String, String> stMeta = new LinkedHashMap<>();
        stMeta.put("format", "myelin");
        stMeta.put("myelin_version", VERSION);
        SafeTensors.Encoded weights = SafeTensors.encode(values, stMeta);
        try (Container.Writer w = new Container.Writer(path)) {
            w.section(Container.WEIGHTS, weights.size(), weights::writeTo);
            Map<String, Object> arch = Layers.toConfig(model);
            w.section(Container.ARCHITECTURE, Json.write(arch, true));
            w.section(Container.METADATA, Json.write(metadata(model, kind, api, trainingInfo), true));
            if (extra != null) extra.write(w);
            w.commit();
        }
    }

    private static Map<String, Object> metadata(Model model, String kind, String api, Map<String, ?> trainingInfo) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "myelin");
        m.put("format_version", FORMAT_VERSION);
        m.put("kind", kind);
        m.put("myelin_version", VERSION);
        m.put("created_by", "Myelin " + VERSION + " " + api + "; Java " + Runtime.version() + " (" + System.getProperty("java.vendor")
                + "); " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("created_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        long trainable = 0;
        for (Parameter p : model.trainableWeights()) trainable += p.numel();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("class_name", model.className());
        info.put("name", model.name() != null ? model.name() : model.defaultName());
        info.put("params", model.countParams());
        info.put("trainable_params", trainable);
        info.put("weights", model.weights().size());
        m.put("model", info);
        m.put("inputs", signature(model.inputShapes(), inputNames(model)));
        List<int[]> outShapes;
        try {
            outShapes = model.outputShapes();
        } catch (RuntimeException e) {
            outShapes = null;   // a custom model that cannot say its shapes apart from data
        }
        m.put("outputs", signature(outShapes, outputNames(model, outShapes == null ? 1 : outShapes.size())));
        Map<String, Object> training = new LinkedHashMap<>();
        Optimizer opt = model.optimizer();
        if (opt != null) {
            training.put("optimizer", opt.config());
            training.put("iterations", opt.iterations());
            List<String> losses = new ArrayList<>();
            for (Loss l : model.losses()) losses.add(l.name());
            training.put("losses", losses);
            List<String> metrics = new ArrayList<>();
            for (Metric mt : model.metrics()) metrics.add(mt.name());
            training.put("metrics", metrics);
        }
        if (trainingInfo != null) training.putAll(trainingInfo);
        m.put("training", training);
        return m;
    }

    private static List<Object> signature(List<int[]> shapes, List<String> names) {
        List<Object> out = new ArrayList<>();
        int n = shapes == null ? names.size() : shapes.size();
        for (int i = 0; i < n; i++) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", i < names.size() ? names.get(i) : "tensor_" + i);
            if (shapes == null) {
                s.put("shape", null);
            } else {
                List<Object> shape = new ArrayList<>();
                shape.add(-1);                                  // the batch axis
                for (int d : shapes.get(i)) shape.add(d < 0 ? -1 : d);
                s.put("shape", shape);
            }
            s.put("dtype", DType.FLOAT32.toString());
            out.add(s);
        }
        return out;
    }

    private static List<String> inputNames(Model model) {
        List<String> refs = refNames(model, "input_layers");
        if (refs != null) return refs;
        List<Layer> ls = model.layers();
        if (!ls.isEmpty() && ls.get(0) instanceof InputLayer in) return List.of(in.name());
        List<int[]> shapes = model.inputShapes();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) out.add(shapes.size() == 1 ? "input" : "input_" + i);
        return out;
    }

    private static List<String> outputNames(Model model, int count) {
        List<String> refs = refNames(model, "output_layers");
        if (refs != null) return refs;
        List<Layer> ls = model.layers();
        if (model instanceof Sequential && !ls.isEmpty()) return List.of(ls.get(ls.size() - 1).name());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(count == 1 ? "output" : "output_" + i);
        return out;
    }

    /** Names from a functional config's [layer, call, output] references; "layer:1" for a second output. */
    private static List<String> refNames(Model model, String key) {
        if (!(model.config().get(key) instanceof List<?> refs)) return null;
        List<String> out = new ArrayList<>();
        for (Object r : refs) {
            if (!(r instanceof List<?> ref) || ref.size() < 3) return null;
            int index = ((Number) ref.get(2)).intValue();
            out.add(ref.get(0) + (index == 0 ? "" : ":" + index));
        }
        return out;
    }

    // ------------------------------------------------------------------ loading

    /**
     * Loads a model saved by {@link #save} (or the model inside a {@link Checkpoint}): rebuilds it
     * from its architecture, builds it for the saved input shapes and sets its weights. The model
     * comes back uncompiled; compile it to train on. Custom layers must be registered with
     * {@link Layers#register} first.
     */
    public static Model load(Path path) throws IOException {
        try (Container.Reader r = Container.Reader.open(path)) {
            Map<String, Object> meta = r.json(r.require(Container.METADATA, "the metadata"));
            Map<String, Object> arch = r.json(r.require(Container.ARCHITECTURE, "the model architecture"));
            Layer layer;
            try {
                layer = Layers.fromConfig(arch);
            } catch (RuntimeException e) {
                throw new ModelFileException(path, "cannot rebuild the model from its architecture: " + e.getMessage(), e);
            }
            if (!(layer instanceof Model model)) {
                throw new ModelFileException(path, "the architecture describes a " + layer.className() + ", not a model");
            }
            if (!model.isBuilt()) {
                List<int[]> shapes = savedInputShapes(meta);
                if (shapes != null) {
                    try {
                        model.ensureBuilt(shapes);
                    } catch (RuntimeException e) {
                        throw new ModelFileException(path, "cannot build the model for its saved input shapes: " + e.getMessage(), e);
                    }
                }
            }
            assign(model, r.safetensors(r.require(Container.WEIGHTS, "the weights")).tensors(), path);
            return model;
        }
    }

    /** The metadata of a model or checkpoint file (see the class notes), without loading the model. */
    public static Map<String, Object> metadata(Path path) throws IOException {
        try (Container.Reader r = Container.Reader.open(path)) {
            return r.json(r.require(Container.METADATA, "the metadata"));
        }
    }

    /**
     * Sets the weights of {@code model} from a Myelin model or checkpoint file, or from a plain
     * .safetensors file named the same way; names and shapes must match the model exactly.
     */
    public static void loadWeights(Model model, Path path) throws IOException {
        Map<String, Tensor> tensors;
        if (Container.hasMagic(path)) {
            try (Container.Reader r = Container.Reader.open(path)) {
                tensors = r.safetensors(r.require(Container.WEIGHTS, "the weights")).tensors();
            }
        } else {
            tensors = SafeTensors.load(path).tensors();
        }
        assign(model, tensors, path);
    }

    /** Writes the weights of a model file as a standalone .safetensors file (a checked byte copy), atomically. */
    public static void extractWeights(Path modelFile, Path safetensorsFile) throws IOException {
        try (Container.Reader r = Container.Reader.open(modelFile);
             AtomicFile out = AtomicFile.create(safetensorsFile)) {
            r.copyTo(r.require(Container.WEIGHTS, "the weights"), out.channel());
            out.commit();
        }
    }

    private static List<int[]> savedInputShapes(Map<String, Object> meta) {
        if (!(meta.get("inputs") instanceof List<?> ins)) return null;
        List<int[]> shapes = new ArrayList<>();
        for (Object o : ins) {
            if (!(o instanceof Map<?, ?> in) || !(in.get("shape") instanceof List<?> s) || s.isEmpty()) return null;
            int[] shape = new int[s.size() - 1];
            for (int i = 1; i < s.size(); i++) shape[i - 1] = ((Number) s.get(i)).intValue();
            shapes.add(shape);
        }
        return shapes;
    }

    /** Checks that {@code tensors} fit {@code model} exactly (names, shapes, float type) and returns the weights by name. */
    static Map<String, Parameter> checkWeights(Model model, Map<String, Tensor> tensors, Path file) throws ModelFileException {
        Map<String, Parameter> named = weightsByName(model);
        List<String> missing = new ArrayList<>(), extra = new ArrayList<>();
        for (String n : named.keySet()) if (!tensors.containsKey(n)) missing.add(n);
        for (String n : tensors.keySet()) if (!named.containsKey(n)) extra.add(n);
        if (!missing.isEmpty() || !extra.isEmpty()) {
            StringBuilder b = new StringBuilder("the weights do not fit ").append(model.describe()).append(':');
            if (!missing.isEmpty()) b.append(" the model's weights ").append(few(missing)).append(" are not in the file;");
            if (!extra.isEmpty()) b.append(" the file's weights ").append(few(extra)).append(" are not in the model;");
            b.append(" expected the same architecture and layer names (the model has ").append(few(new ArrayList<>(named.keySet()))).append(')');
            throw new ModelFileException(file, b.toString());
        }
        for (var e : named.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            DType expected = e.getValue().value().dtype();
            if (t.dtype() != expected) {
                throw new ModelFileException(file, "weight '" + e.getKey() + "' is stored as " + t.dtype() + "; expected " + expected);
            }
            if (!Shape.equal(t.shape(), e.getValue().shape())) {
                throw new ModelFileException(file, "weight '" + e.getKey() + "' has shape " + Shape.format(t.shape()) + " in the file, but "
                        + Shape.format(e.getValue().shape()) + " in the model");
            }
        }
        return named;
    }

    /** Checks, then sets every weight: nothing changes unless all fit. */
    static void assign(Model model, Map<String, Tensor> tensors, Path file) throws ModelFileException {
        Map<String, Parameter> named = checkWeights(model, tensors, file);
        for (var e : named.entrySet()) e.getValue().assign(tensors.get(e.getKey()));
    }

    private static String few(List<String> names) {
        if (names.size() <= 8) return names.toString();
        return names.subList(0, 8).toString().replace("]", ", ... (" + names.size() + " in all)]");
    }

    // ------------------------------------------------------------------ names

    /**
     * Every weight of {@code root} under a unique hierarchical name: for a model, each of its
     * {@code layers()} by layer name, then their {@code sublayers()} recursively, then the weight's
     * own name, joined by '/' ("dense_1/kernel", "encoder/attention/query/kernel"). Unnamed
     * sublayers use their default name; clashes within one parent get "_1", "_2" in order. A
     * weight reachable twice (a shared layer) keeps its first name. Model order.
     */
    public static Map<String, Parameter> weightsByName(Layer root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        addOwn(root, "", out, seen);
        addChildren(root instanceof Model m ? m.layers() : root.sublayers(), "", out, seen);
        for (Parameter p : root.weights()) {
            if (!seen.contains(p)) {
                throw new IllegalStateException(root.describe() + ": weight " + p + " is not reachable through layers() and sublayers(); "
                        + "register the layers that own weights with track()");
            }
        }
        return out;
    }

    private static void addChildren(List<Layer> children, String prefix, Map<String, Parameter> out, Set<Parameter> seen) {
        Set<String> used = new LinkedHashSet<>();
        for (Layer child : children) {
            String n = unique(child.name() != null ? child.name() : child.defaultName(), used);
            addOwn(child, prefix + n + "/", out, seen);
            addChildren(child.sublayers(), prefix + n + "/", out, seen);
        }
    }

    /** The layer's own weights: {@code weights()} lists them first, then its sublayers'. */
    private static void addOwn(Layer layer, String prefix, Map<String, Parameter> out, Set<Parameter> seen) {
        List<Parameter> all = layer.weights();
        int inSublayers = 0;
        for (Layer s : layer.sublayers()) inSublayers += s.weights().size();
        Set<String> used = new LinkedHashSet<>();
        for (Parameter p : all.subList(0, all.size() - inSublayers)) {
            String n = unique(p.name(), used);
            if (seen.add(p)) out.put(prefix + n, p);
        }
    }

    private static String unique(String base, Set<String> used) {
        String n = base;
        for (int k = 1; used.contains(n); k++) n = base + "_" + k;
        used.add(n);
        return n;
    }
}
