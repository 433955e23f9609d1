package dev.myelin.nn.losses;

import dev.myelin.nn.Config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Losses by their Keras names, and back from a saved {@link Loss#config()}.
 *
 * <pre>{@code
 * Loss loss = Losses.get("binary_crossentropy");
 * Loss same = Losses.fromConfig(new BinaryCrossentropy(true, 0.1f).config());
 * }</pre>
 */
public final class Losses {
    private Losses() {}

    /** Every accepted name (lower case) and the canonical name it stands for, which is the loss's {@link Loss#name()}. */
    private static final Map<String, String> ALIASES = aliases();

    private static Map<String, String> aliases() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("mean_squared_error", "mean_squared_error");
        m.put("mse", "mean_squared_error");
        m.put("mean_absolute_error", "mean_absolute_error");
        m.put("mae", "mean_absolute_error");
        m.put("huber", "huber_loss");
        m.put("huber_loss", "huber_loss");
        m.put("binary_crossentropy", "binary_crossentropy");
        m.put("categorical_crossentropy", "categorical_crossentropy");
        m.put("sparse_categorical_crossentropy", "sparse_categorical_crossentropy");
        m.put("kl_divergence", "kl_divergence");
        m.put("kld", "kl_divergence");
        m.put("kullback_leibler_divergence", "kl_divergence");
        m.put("cosine_similarity", "cosine_similarity");
        return Map.copyOf(m);
    }

    /** The names {@link #get} accepts, sorted. */
    public static List<String> names() {
        List<String> l = new ArrayList<>(ALIASES.keySet());
        l.sort(null);
        return l;
    }

    /** A new loss with default settings, by Keras name or alias ("mse", "kld"); case is ignored. */
    public static Loss get(String name) {
        return create(canonical(name), Map.of());
    }

    /** The loss a {@link Loss#config()} map describes: its "name" plus the loss's own settings. */
    public static Loss fromConfig(Map<String, Object> config) {
        return create(canonical(Config.getString(config, "name")), config);
    }

    private static String canonical(String name) {
        if (name == null) throw new IllegalArgumentException("loss name must not be null; known losses: " + names());
        String c = ALIASES.get(name.toLowerCase(Locale.ROOT));
        if (c == null) throw new IllegalArgumentException("unknown loss '" + name + "'; known losses: " + names());
        return c;
    }

    private static Loss create(String canonical, Map<String, Object> c) {
        return switch (canonical) {
            case "mean_squared_error" -> MeanSquaredError.fromConfig(c);
            case "mean_absolute_error" -> MeanAbsoluteError.fromConfig(c);
            case "huber_loss" -> Huber.fromConfig(c);
            case "binary_crossentropy" -> BinaryCrossentropy.fromConfig(c);
            case "categorical_crossentropy" -> CategoricalCrossentropy.fromConfig(c);
            case "sparse_categorical_crossentropy" -> SparseCategoricalCrossentropy.fromConfig(c);
            case "kl_divergence" -> KLDivergence.fromConfig(c);
            case "cosine_similarity" -> CosineSimilarity.fromConfig(c);
            default -> throw new IllegalStateException("no factory for loss '" + canonical + "'");
        };
    }
}
