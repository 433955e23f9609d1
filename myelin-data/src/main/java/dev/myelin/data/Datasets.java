package dev.myelin.data;

import java.nio.file.Path;

/** Where data sets live: {@code $MYELIN_DATA}, else {@code $XDG_CACHE_HOME/myelin/datasets}, else {@code ~/.cache/myelin/datasets}. */
public final class Datasets {
    private Datasets() {}

    public static Path cacheDir() {
        String env = System.getenv("MYELIN_DATA");
        if (env != null && !env.isBlank()) return Path.of(env);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("myelin").resolve("datasets");
    }
}
