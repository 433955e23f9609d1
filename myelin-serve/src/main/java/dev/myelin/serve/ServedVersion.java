package dev.myelin.serve;

import dev.myelin.data.text.TextPreprocessing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded model version: its signature, settings and batcher, and a count of the requests
 * using it. Requests {@link #tryAcquire} it and {@link #release} it when answered; once
 * {@link #retire retired} (a newer version took its traffic, or it left the repository) it
 * refuses new requests, waits for those in flight, then stops its workers.
 */
final class ServedVersion {
    final String model;
    final long version;
    final Signature signature;
    final ModelConfig config;
    final Batcher batcher;
    /** The model file and its size and modification time when loaded; the config generation it was loaded with. */
    final FileStamp stamp;
    final int configGeneration;
    /** The id inputs that also take raw texts (BYTES), with the text preprocessing saved with the model. */
    final Map<String, TextPreprocessing> text;
    private final AtomicInteger users = new AtomicInteger();
    private volatile boolean retired;

    /** A file's identity for change detection: path, size, modification time. */
    record FileStamp(Path path, long size, long modifiedMillis) {}

    ServedVersion(String model, long version, Signature signature, ModelConfig config, Batcher batcher, FileStamp stamp, int configGeneration) {
        this(model, version, signature, config, batcher, stamp, configGeneration, Map.of());
    }

    ServedVersion(String model, long version, Signature signature, ModelConfig config, Batcher batcher, FileStamp stamp, int configGeneration,
                  Map<String, TextPreprocessing> text) {
        this.text = Map.copyOf(text);
        this.model = model;
        this.version = version;
        this.signature = signature;
        this.config = config;
        this.batcher = batcher;
        this.stamp = stamp;
        this.configGeneration = configGeneration;
    }

    /** Counts a request in; false once retired (the caller looks up the version serving now). */
    boolean tryAcquire() {
        users.incrementAndGet();
        if (retired) {
            users.decrementAndGet();
            return false;
        }
        return true;
    }

    void release() {
        users.decrementAndGet();
    }

    /**
     * Refuses new requests, waits until the requests in flight are answered (at most
     * {@code drain}), then stops the batcher. Called after the repository stopped routing here.
     */
    void retire(Duration drain) {
        retired = true;
        long deadline = System.nanoTime() + drain.toNanos();
        while (users.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        batcher.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    @Override
    public String toString() {
        return "model '" + model + "' version " + version;
    }
}
