package dev.myelin.backend;

/**
 * The backend registry. The Vector API backend is the default; the system property
 * {@code myelin.backend=reference} or the environment variable {@code MYELIN_BACKEND=reference}
 * forces the scalar reference. {@link #use} swaps it at run time (tests, benchmarks).
 */
public final class Backends {
    private Backends() {}

    public static final String PROPERTY = "myelin.backend";
    public static final String ENV = "MYELIN_BACKEND";

    private static volatile Backend current = fromSettings();

    /** The backend every op runs on. */
    public static Backend current() {
        return current;
    }

    /** Makes {@code backend} the current one and returns the previous one. */
    public static Backend use(Backend backend) {
        if (backend == null) throw new IllegalArgumentException("backend must not be null");
        Backend old = current;
        current = backend;
        return old;
    }

    /** Looks a backend up by name: "vector" or "reference". */
    public static Backend byName(String name) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "reference", "scalar" -> ReferenceBackend.INSTANCE;
            case "vector", "default" -> vector();
            default -> throw new IllegalArgumentException(
                    "unknown backend '" + name + "': expected 'vector' or 'reference'");
        };
    }

    private static Backend fromSettings() {
        String name = System.getProperty(PROPERTY);
        if (name == null || name.isBlank()) name = System.getenv(ENV);
        if (name == null || name.isBlank()) name = "vector";
        return byName(name);
    }

    private static Backend vector() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException("The Vector API backend needs the JVM flag '--add-modules jdk.incubator.vector'"
                    + " (the myelin launcher and the Maven build set it), or set -D" + PROPERTY + "=reference.");
        }
        return VectorBackend.INSTANCE;
    }
}
