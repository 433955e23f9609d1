package dev.myelin.nn.callbacks;

import java.util.Locale;

/**
 * Which way a monitored quantity improves, for {@link EarlyStopping}, {@link ModelCheckpoint} and
 * {@link ReduceLROnPlateau}: {@code MIN} for losses and errors, {@code MAX} for accuracies;
 * {@code AUTO} infers it from the name as Keras does ("loss", "val_loss", "*_error" go down;
 * "*acc*", "auc", "precision", "recall" go up).
 *
 * <pre>{@code new EarlyStopping("val_accuracy", 3).mode(Mode.MAX)}</pre>
 */
public enum Mode {
    AUTO, MIN, MAX;

    /** "auto", "min" or "max", any case, as Keras spells the modes. */
    public static Mode of(String name) {
        for (Mode m : values()) if (m.name().equalsIgnoreCase(name)) return m;
        throw new IllegalArgumentException("mode must be one of auto, min, max; got '" + name + "'");
    }

    /**
     * MIN or MAX for {@code monitor}: this mode unless AUTO; for AUTO, the direction the name
     * implies, else {@code fallback}, else (fallback null) an error that asks for a mode.
     */
    Mode resolve(String monitor, Mode fallback, String who) {
        if (this != AUTO) return this;
        String n = monitor.toLowerCase(Locale.ROOT);
        if (n.startsWith("val_")) n = n.substring(4);
        if (n.equals("loss") || n.endsWith("loss") || n.equals("learning_rate")) return MIN;
        if (n.contains("acc") || n.contains("auc") || n.contains("precision") || n.contains("recall") || n.startsWith("fmeasure")
                || n.startsWith("f1") || n.contains("iou")) {
            return MAX;
        }
        if (n.contains("error") || n.contains("crossentropy") || n.contains("hinge") || n.contains("divergence") || n.contains("poisson")
                || n.contains("cosh") || n.equals("mse") || n.equals("mae") || n.equals("mape") || n.equals("msle") || n.equals("rmse")) {
            return MIN;
        }
        if (fallback != null) return fallback;
        throw new IllegalArgumentException(who + " received monitor='" + monitor + "', but cannot tell whether it should be maximized "
                + "or minimized; pass mode(Mode.MAX) to use its highest value, or mode(Mode.MIN) to use its lowest");
    }
}
