package dev.myelin.serve;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * How one model is served, from the optional {@code config.json} beside its version folders
 * ({@code DIR/<model>/config.json}); every key is optional:
 *
 * <pre>{@code
 * {
 *   "max_batch_size": 32,         // most rows merged into one model call (a larger request runs alone)
 *   "max_queue_delay_ms": 2,      // how long the oldest queued request may wait for others to join it
 *   "max_queue_size": 256,        // requests waiting per version; more are refused with 503 + Retry-After
 *   "timeout_ms": 30000,          // a request not answered by then gets 504
 *   "instance_count": 1,          // copies of the model, each with its own worker thread
 *   "version_policy": {"latest": 1},  // or {"all": true}, or {"specific": [1, 3]}
 *   "early_dispatch": true,       // a batch leaves as soon as every request in flight for the model is queued
 *   "intra_op_parallel": false    // whether one model call may use Myelin's shared thread team (see Batcher)
 * }
 * }</pre>
 * Like Triton's dynamic_batching: with a delay of 0 a batch takes what is queued at that moment.
 * With early dispatch (see {@link Batcher}) a batch does not wait the delay for requests that
 * cannot come: once every inference request the server is reading for this version has joined
 * the queue, the batch leaves, so a lone client never waits {@code max_queue_delay_ms}.
 * Unknown keys are refused, so a misspelt setting is reported instead of silently ignored.
 */
public record ModelConfig(int maxBatchSize, double maxQueueDelayMs, int maxQueueSize, long timeoutMs, int instanceCount, VersionPolicy versionPolicy,
                          boolean earlyDispatch, boolean intraOpParallel) {
    public static final String FILE_NAME = "config.json";

    public static final ModelConfig DEFAULT = new ModelConfig(32, 0, 256, 30_000, 1, VersionPolicy.latest(1), true, false);

    private static final Set<String> KEYS = Set.of("max_batch_size", "max_queue_delay_ms", "max_queue_size", "timeout_ms", "instance_count", "version_policy",
            "early_dispatch", "intra_op_parallel");

    /** Settings with early dispatch on and model calls on one thread each. */
    public ModelConfig(int maxBatchSize, double maxQueueDelayMs, int maxQueueSize, long timeoutMs, int instanceCount, VersionPolicy versionPolicy) {
        this(maxBatchSize, maxQueueDelayMs, maxQueueSize, timeoutMs, instanceCount, versionPolicy, true, false);
    }

    public ModelConfig withMaxBatchSize(int n) {
        return new ModelConfig(n, maxQueueDelayMs, maxQueueSize, timeoutMs, instanceCount, versionPolicy, earlyDispatch, intraOpParallel);
    }

    public ModelConfig withMaxQueueDelayMs(double ms) {
        return new ModelConfig(maxBatchSize, ms, maxQueueSize, timeoutMs, instanceCount, versionPolicy, earlyDispatch, intraOpParallel);
    }

    public ModelConfig withMaxQueueSize(int n) {
        return new ModelConfig(maxBatchSize, maxQueueDelayMs, n, timeoutMs, instanceCount, versionPolicy, earlyDispatch, intraOpParallel);
    }

    public ModelConfig withTimeoutMs(long ms) {
        return new ModelConfig(maxBatchSize, maxQueueDelayMs, maxQueueSize, ms, instanceCount, versionPolicy, earlyDispatch, intraOpParallel);
    }

    public ModelConfig withIntraOpParallel(boolean on) {
        return new ModelConfig(maxBatchSize, maxQueueDelayMs, maxQueueSize, timeoutMs, instanceCount, versionPolicy, earlyDispatch, on);
    }

    public ModelConfig withEarlyDispatch(boolean on) {
        return new ModelConfig(maxBatchSize, maxQueueDelayMs, maxQueueSize, timeoutMs, instanceCount, versionPolicy, on, intraOpParallel);
    }

    public ModelConfig {
        if (maxBatchSize < 1) throw new IllegalArgumentException("max_batch_size must be at least 1, got " + maxBatchSize);
        if (!(maxQueueDelayMs >= 0) || maxQueueDelayMs > 60_000) throw new IllegalArgumentException("max_queue_delay_ms must be from 0 to 60000, got " + maxQueueDelayMs);
        if (maxQueueSize < 1) throw new IllegalArgumentException("max_queue_size must be at least 1, got " + maxQueueSize);
        if (timeoutMs < 1) throw new IllegalArgumentException("timeout_ms must be at least 1, got " + timeoutMs);
        if (instanceCount < 1 || instanceCount > 64) throw new IllegalArgumentException("instance_count must be from 1 to 64, got " + instanceCount);
        if (versionPolicy == null) throw new IllegalArgumentException("version_policy must not be null");
    }

    /** Which of the version folders are served. */
    public sealed interface VersionPolicy {
        /** The newest {@code count} versions that load. */
        record Latest(int count) implements VersionPolicy {
            public Latest {
                if (count < 1) throw new IllegalArgumentException("version_policy latest must be at least 1, got " + count);
            }
        }

        /** Every version folder. */
        record All() implements VersionPolicy {}

        /** Exactly these versions (those present). */
        record Specific(NavigableSet<Long> versions) implements VersionPolicy {
            public Specific {
                if (versions.isEmpty()) throw new IllegalArgumentException("version_policy specific needs at least one version");
                versions = new TreeSet<>(versions);
            }
        }

        static VersionPolicy latest(int count) {
            return new Latest(count);
        }

        /** Whether {@code version} may be served; {@link Latest} also counts loaded versions, which the repository does. */
        default boolean admits(long version) {
            return !(this instanceof Specific s) || s.versions().contains(version);
        }

        /** For messages: "latest 1", "all", "specific [1, 3]". */
        default String describe() {
            return switch (this) {
                case Latest l -> "latest " + l.count();
                case All a -> "all";
                case Specific s -> "specific " + s.versions();
            };
        }
    }

    /** The settings in {@code file}, the defaults for keys it leaves out. */
    public static ModelConfig read(Path file) throws IOException {
        String text = Files.readString(file);
        Object parsed;
        try {
            parsed = JSON.std.anyFrom(text);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (!(parsed instanceof Map<?, ?> map)) throw new IOException(file + " must hold a JSON object");
        try {
            return fromMap(map);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Settings from parsed JSON; see the class notes for the keys. */
    public static ModelConfig fromMap(Map<?, ?> map) {
        List<String> unknown = new ArrayList<>();
        for (Object k : map.keySet()) if (!KEYS.contains(String.valueOf(k))) unknown.add(String.valueOf(k));
        if (!unknown.isEmpty()) throw new IllegalArgumentException("unknown settings " + unknown + "; known: " + new TreeSet<>(KEYS));
        ModelConfig d = DEFAULT;
        return new ModelConfig(
                (int) whole(map, "max_batch_size", d.maxBatchSize),
                number(map, "max_queue_delay_ms", d.maxQueueDelayMs),
                (int) whole(map, "max_queue_size", d.maxQueueSize),
                whole(map, "timeout_ms", d.timeoutMs),
                (int) whole(map, "instance_count", d.instanceCount),
                map.containsKey("version_policy") ? policy(map.get("version_policy")) : d.versionPolicy,
                bool(map, "early_dispatch", d.earlyDispatch),
                bool(map, "intra_op_parallel", d.intraOpParallel));
    }

    private static VersionPolicy policy(Object v) {
        if (!(v instanceof Map<?, ?> m) || m.size() != 1) {
            throw new IllegalArgumentException("version_policy must be one of {\"latest\": N}, {\"all\": true}, {\"specific\": [versions]}, got " + v);
        }
        var e = m.entrySet().iterator().next();
        String kind = String.valueOf(e.getKey());
        Object arg = e.getValue();
        return switch (kind) {
            case "latest" -> new VersionPolicy.Latest((int) whole(Map.of("latest", arg), "latest", 1));
            case "all" -> new VersionPolicy.All();
            case "specific" -> {
                if (!(arg instanceof List<?> list)) throw new IllegalArgumentException("version_policy specific must be a list of versions, got " + arg);
                TreeSet<Long> versions = new TreeSet<>();
                for (Object o : list) {
                    if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 1) {
                        throw new IllegalArgumentException("version_policy specific: versions are whole numbers >= 1, got " + o);
                    }
                    versions.add(n.longValue());
                }
                yield new VersionPolicy.Specific(versions);
            }
            default -> throw new IllegalArgumentException("version_policy must be latest, all or specific, got '" + kind + "'");
        };
    }

    private static long whole(Map<?, ?> map, String key, long fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " must be a whole number, got " + v);
        }
        return n.longValue();
    }

    private static boolean bool(Map<?, ?> map, String key, boolean fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Boolean b)) throw new IllegalArgumentException(key + " must be true or false, got " + v);
        return b;
    }

    private static double number(Map<?, ?> map, String key, double fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Number n)) throw new IllegalArgumentException(key + " must be a number, got " + v);
        return n.doubleValue();
    }

    private static String firstLine(String s) {
        if (s == null) return "(no detail)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
