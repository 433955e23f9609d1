package dev.myelin.core;

/**
 * Whether ops record the graph for autograd, per thread. Inference runs inside a no-grad scope:
 *
 * <pre>{@code try (var ignored = GradMode.noGrad()) { y = model.apply(x); }}</pre>
 */
public final class GradMode {
    private GradMode() {}

    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    public static boolean isEnabled() {
        return ENABLED.get();
    }

    /** Turns recording off until the returned scope is closed, then restores the previous setting. */
    public static Scope noGrad() {
        return set(false);
    }

    /** Turns recording on until the returned scope is closed. */
    public static Scope enableGrad() {
        return set(true);
    }

    private static Scope set(boolean enabled) {
        boolean previous = ENABLED.get();
        ENABLED.set(enabled);
        return () -> ENABLED.set(previous);
    }

    /** A scope that restores the previous mode when closed; closing throws nothing. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
