package dev.myelin.nn.metrics;

import dev.myelin.nn.losses.BinaryCrossentropy;
import dev.myelin.nn.losses.CategoricalCrossentropy;
import dev.myelin.nn.losses.CosineSimilarity;
import dev.myelin.nn.losses.KLDivergence;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;

import java.util.List;
import java.util.Locale;

/**
 * Metrics by their Keras names. The metric is named with the string given, as Keras's
 * {@code compile(metrics=["mae"])} logs "mae" and "val_mae". "accuracy" (or "acc") picks binary,
 * categorical or sparse accuracy: from the loss with {@link #get(String, Loss)}, else from the
 * first batch's shapes by Keras's rule.
 *
 * <pre>{@code
 * Loss loss = new SparseCategoricalCrossentropy(true);
 * model.compile(new Adam(), loss, Metrics.get("accuracy", loss), Metrics.get("sparse_top_k_categorical_accuracy"));
 * }</pre>
 */
public final class Metrics {
    private Metrics() {}

    private static final List<String> NAMES = List.of(
            "accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
            "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
            "precision", "recall", "f1_score", "auc",
            "mae", "mean_absolute_error", "mse", "mean_squared_error", "rmse", "root_mean_squared_error", "r2_score",
            "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
            "kl_divergence", "kld", "cosine_similarity");

    /** The names {@link #get} accepts. */
    public static List<String> names() {
        return NAMES;
    }

    /** A new metric with Keras's default settings, named {@code name}; case is ignored when looking it up. */
    public static Metric get(String name) {
        return get(name, null);
    }

    /**
     * As {@link #get(String)}, but "accuracy" follows the loss: binary for BinaryCrossentropy
     * (threshold 0, that is sigmoid 0.5, when it takes logits), categorical for
     * CategoricalCrossentropy, sparse for SparseCategoricalCrossentropy, by shapes otherwise.
     */
    public static Metric get(String name, Loss loss) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("metric name must be non-empty; known metrics: " + NAMES);
        String key = name.toLowerCase(Locale.ROOT);
        return switch (key) {
            case "accuracy", "acc" -> accuracyFor(name, loss);
            case "binary_accuracy" -> new BinaryAccuracy(name, 0.5f);
            case "categorical_accuracy" -> new CategoricalAccuracy(name);
            case "sparse_categorical_accuracy" -> new SparseCategoricalAccuracy(name);
            case "top_k_categorical_accuracy" -> new TopKCategoricalAccuracy(5, name);
            case "sparse_top_k_categorical_accuracy" -> new SparseTopKCategoricalAccuracy(5, name);
            case "precision" -> new Precision(0.5f, -1, name);
            case "recall" -> new Recall(0.5f, -1, name);
            case "f1_score" -> new F1Score("micro", 0.5f, name);
            case "auc" -> new AUC(200, AUC.Curve.ROC, AUC.Summation.INTERPOLATION, false, name);
            case "mae", "mean_absolute_error" -> new MeanAbsoluteError(name);
            case "mse", "mean_squared_error" -> new MeanSquaredError(name);
            case "rmse", "root_mean_squared_error" -> new RootMeanSquaredError(name);
            case "r2_score" -> new R2Score("uniform_average", 0, name);
            case "binary_crossentropy" -> new MeanMetricWrapper(name, new BinaryCrossentropy()::perSample);
            case "categorical_crossentropy" -> new MeanMetricWrapper(name, new CategoricalCrossentropy()::perSample);
            case "sparse_categorical_crossentropy" -> new MeanMetricWrapper(name, new SparseCategoricalCrossentropy()::perSample);
            case "kl_divergence", "kld" -> new MeanMetricWrapper(name, new KLDivergence()::perSample);
            // the metric is +cos (1 is best), the loss -cos
            case "cosine_similarity" -> new MeanMetricWrapper(name, (y, p) -> new CosineSimilarity().perSample(y, p).neg());
            default -> throw new IllegalArgumentException("unknown metric '" + name + "'; known metrics: " + NAMES);
        };
    }

    private static Metric accuracyFor(String name, Loss loss) {
        return switch (loss) {
            case BinaryCrossentropy b -> new BinaryAccuracy(name, b.fromLogits() ? 0f : 0.5f);
            case CategoricalCrossentropy c -> new CategoricalAccuracy(name);
            case SparseCategoricalCrossentropy s -> new SparseCategoricalAccuracy(name);
            case null, default -> new AutoAccuracy(name);
        };
    }
}
