package dev.myelin.compress;

import dev.myelin.core.GradMode;
import dev.myelin.core.Shape;
import dev.myelin.nn.Config;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Layers;
import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.InputLayer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites a model through its architecture: copy the config, change layer entries (replace a
 * class, drop a layer, shrink a size), rebuild a new model from it, then fill the new layers'
 * weights from the old ones by layer name. Works for Sequential and functional models alike, at
 * the top level (a nested model is one layer to it). The source model is never changed.
 */
final class ModelRewrite {
    private ModelRewrite() {}

    /**
     * A deep, mutable copy of the model's {"class_name", "config"} map. A Sequential given only
     * {@code inputShape(...)} writes an unnamed InputLayer first; that entry is dropped (the
     * rebuilt model gets the shape from {@link #build}), so the result keeps the source's layer
     * list, and its input name ("input", not "input_layer") for servers and clients.
     */
    static Map<String, Object> config(Model model) {
        Map<String, Object> cfg = deepCopy(Layers.toConfig(model));
        if (model instanceof Sequential && (model.layers().isEmpty() || !(model.layers().getFirst() instanceof InputLayer))) {
            List<Object> entries = entries(cfg);
            if (!entries.isEmpty() && "InputLayer".equals(Config.map(entries.getFirst(), "layer entry").get("class_name")) && name(entries.getFirst()) == null) {
                entries.removeFirst();
            }
        }
        return cfg;
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>();
            for (var e : m.entrySet()) c.put(String.valueOf(e.getKey()), deepCopy(e.getValue()));
            return (T) c;
        }
        if (o instanceof List<?> l) {
            List<Object> c = new ArrayList<>(l.size());
            for (Object x : l) c.add(deepCopy(x));
            return (T) c;
        }
        return o;
    }

    /** The layer entries of a Sequential or functional config, in order (the list itself, to edit). */
    @SuppressWarnings("unchecked")
    static List<Object> entries(Map<String, Object> modelConfig) {
        Map<String, Object> inner = Config.map(modelConfig.get("config"), "model config");
        if (!(inner.get("layers") instanceof List<?> l)) {
            throw new IllegalArgumentException("only Sequential and functional models can be rewritten; "
                    + modelConfig.get("class_name") + " has no layer list in its config");
        }
        return (List<Object>) l;
    }

    /**
     * The layer name of an entry (its config's "name"), or null for an unnamed one: the InputLayer
     * that a Sequential given only {@code inputShape(...)} writes first.
     */
    static String name(Object entry) {
        Map<String, Object> e = Config.map(entry, "layer entry");
        return Config.getString(Config.map(e.get("config"), "layer config"), "name", null);
    }

    /** The entry's config map, to edit. */
    static Map<String, Object> layerConfig(Object entry) {
        return Config.map(Config.map(entry, "layer entry").get("config"), "layer config");
    }

    /** Replaces the class and config of an entry with those of {@code layer} (keeping a functional entry's graph keys). */
    static void replace(Object entry, Layer layer) {
        Map<String, Object> e = Config.map(entry, "layer entry");
        Map<String, Object> c = Layers.toConfig(layer);
        e.put("class_name", c.get("class_name"));
        e.put("config", deepCopy(c.get("config")));
    }

    /** The model a config describes, built for the source model's input shapes. */
    static Model build(Map<String, Object> modelConfig, Model source) {
        QuantizedLayers.register();
        Layer l = Layers.fromConfig(modelConfig);
        if (!(l instanceof Model m)) throw new IllegalStateException("the rewritten architecture is a " + l.className() + ", not a model");
        if (!m.isBuilt() && source.inputShapes() != null) m.ensureBuilt(source.inputShapes());
        return m;
    }

    /** Copies every weight of {@code from} into {@code to}, pairwise in order; the layers must have the same weights. */
    static void copyWeights(Layer from, Layer to) {
        List<Parameter> a = from.weights(), b = to.weights();
        if (a.size() != b.size()) {
            throw new IllegalStateException("cannot copy the weights of " + from.describe() + " (" + a.size() + ") into " + to.describe() + " (" + b.size() + ")");
        }
        try (var ignored = GradMode.noGrad()) {
            for (int i = 0; i < a.size(); i++) {
                Parameter s = a.get(i), d = b.get(i);
                if (!Shape.equal(s.shape(), d.shape()) || s.value().dtype() != d.value().dtype()) {
                    throw new IllegalStateException("weight " + i + " of " + from.describe() + " is " + s + ", of " + to.describe() + " " + d);
                }
                d.value().copyFrom(s.value().detach());
            }
        }
    }

    /** The layer of {@code model} with this name, or null. */
    static Layer find(Model model, String layerName) {
        if (layerName == null) return null;
        for (Layer l : model.layers()) if (layerName.equals(l.name())) return l;
        return null;
    }
}
