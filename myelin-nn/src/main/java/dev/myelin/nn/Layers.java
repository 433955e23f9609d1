package dev.myelin.nn;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Turns layers into {"class_name", "config"} maps and back. Built-in layers are found by class
 * name in {@code dev.myelin.nn.layers} (and {@code Sequential}/{@code Functional} here, and the
 * quantized layers of {@code dev.myelin.compress} when that module is present) through
 * their static {@code fromConfig(Map)}; register your own layers with {@link #register}.
 */
public final class Layers {
    private Layers() {}

    private static final Map<String, Function<Map<String, Object>, Layer>> CUSTOM = new ConcurrentHashMap<>();

    /** Makes a custom layer class loadable from saved architectures under {@code className}. */
    public static void register(String className, Function<Map<String, Object>, Layer> factory) {
        CUSTOM.put(className, factory);
    }

    public static Map<String, Object> toConfig(Layer layer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class_name", layer.className());
        m.put("config", layer.config());
        return m;
    }

    public static Layer fromConfig(Map<String, Object> entry) {
        String cls = Config.getString(entry, "class_name");
        Map<String, Object> config = Config.map(entry.get("config") == null ? Map.of() : entry.get("config"), cls + " config");
        return fromConfig(cls, config);
    }

    public static Layer fromConfig(String className, Map<String, Object> config) {
        Function<Map<String, Object>, Layer> custom = CUSTOM.get(className);
        if (custom != null) return custom.apply(config);
        Class<?> c = find(className);
        if (c == null || !Layer.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException("unknown layer class '" + className + "': not a built-in layer and not registered with Layers.register");
        }
        try {
            Method m = c.getMethod("fromConfig", Map.class);
            if (!Modifier.isStatic(m.getModifiers())) throw new NoSuchMethodException();
            return (Layer) m.invoke(null, config);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("layer class '" + className + "' has no static fromConfig(Map)", e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw new IllegalArgumentException("cannot make layer '" + className + "' from its config: " + re.getMessage(), re);
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Class<?> find(String className) {
        if (!className.matches("[A-Za-z][A-Za-z0-9]*")) return null;
        // dev.myelin.compress holds the quantized layers; it is found when its jar is on the class path.
        for (String pkg : new String[]{"dev.myelin.nn.layers.", "dev.myelin.nn.", "dev.myelin.compress."}) {
            try {
                return Class.forName(pkg + className);
            } catch (ClassNotFoundException ignored) {
                // try the next package
            }
        }
        return null;
    }
}
